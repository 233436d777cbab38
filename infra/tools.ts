// Which models serve prompt improvement and reference images (core/tools.ts): the operator's
// choice, made at deploy time, reaching every place the tools run — their API routes and the
// site's form actions alike. Each is optional; left out, the OpenAI-compatible gateway serves.

const CHOICES = [
  "TAKES_TEXT_PROVIDER",
  "TAKES_TEXT_MODEL",
  "TAKES_IMAGE_PROVIDER",
  "TAKES_IMAGE_MODEL",
] as const;

export const toolsEnvironment: Record<string, string> = Object.fromEntries(
  CHOICES.flatMap((name) => {
    const value = process.env[name];
    return value ? [[name, value]] : [];
  }),
);
