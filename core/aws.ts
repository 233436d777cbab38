/**
 * The AWS SDK clients, one module each (core/aws/), so a function loads only the clients it
 * uses: core's modules import the one they need. This gathers them for tests and tools.
 */
export { dynamoClient } from "./aws/dynamodb";
export { s3Client } from "./aws/s3";
export { sqsClient } from "./aws/sqs";
