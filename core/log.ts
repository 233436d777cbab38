import { Logger } from "@aws-lambda-powertools/logger";

// Structured JSON logs (Powertools). Never pass a credential, key or secret in a log field.
export const log = new Logger({
  serviceName: "takes",
  logLevel: (process.env.TAKES_LOG_LEVEL as "INFO" | undefined) ?? "INFO",
});
