/** Request fields every OpenAI generation endpoint checks the same way, with OpenAI's messages. */
import type { Fields } from "../shared/http";
import { badRequest } from "./errors";

const MAX_PROMPT_CHARS = 32_000;

export function requiredPrompt(fields: Fields, maxChars = MAX_PROMPT_CHARS): string {
  const prompt = fields.prompt;
  if (prompt === undefined || prompt === null) {
    throw badRequest("Missing required parameter: 'prompt'.", "prompt");
  }
  if (typeof prompt !== "string") {
    throw badRequest("Invalid type for 'prompt': expected a string.", "prompt");
  }
  if (prompt.trim().length === 0) {
    throw badRequest(
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an " +
        "empty string instead.",
      "prompt",
    );
  }
  if (prompt.length > maxChars) {
    throw badRequest(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${maxChars}, ` +
        `but got a string with length ${prompt.length} instead.`,
      "prompt",
    );
  }
  return prompt;
}
