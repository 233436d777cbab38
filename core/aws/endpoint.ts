// One code path: the same SDK v3 clients everywhere. On AWS the endpoints come from the runtime;
// on the local stack the standard AWS_ENDPOINT_URL_* variables point at the emulators. They are
// passed explicitly because local queue URLs carry a host that does not resolve (docs/notes/local-aws.md).
export const endpoint = (service: "S3" | "SQS" | "DYNAMODB") =>
  process.env[`AWS_ENDPOINT_URL_${service}`] || undefined;
