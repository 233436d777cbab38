import type { ResolvedCredential } from "$core/credentials";
import { TakesError } from "$core/errors";
import { isJobId } from "$core/jobs/model";
import type { FrameMedia, JobView } from "$core/videos/view";
import { listVideoFrames } from "$core/videos";
import type { CreateValues, FrameSource, ProviderOption, ReferenceMode } from "$lib/types";

export const REFERENCE_MODES: readonly ReferenceMode[] = ["none", "upload", "generate", "frame"];

const text = (form: FormData, name: string, max = 5000) => {
  const value = form.get(name);
  return typeof value === "string" ? value.slice(0, max) : "";
};

/** The first landscape size a model makes, else its first. */
export const landscapeSize = (sizes: readonly string[]) =>
  sizes.find((size) => {
    const [width = 0, height = 0] = size.split("x").map(Number);
    return width > height;
  }) ??
  sizes[0] ??
  "";

/** A model's length closest to 8 s: long enough to tell a story, short enough to try again. */
export const defaultSeconds = (lengths: readonly number[]) =>
  [...lengths].sort((a, b) => Math.abs(a - 8) - Math.abs(b - 8) || a - b)[0] ?? 4;

export function defaultValues(providers: ProviderOption[]): CreateValues {
  const provider = providers[0];
  const model = provider?.models[0];
  return {
    prompt: "",
    provider: provider?.name ?? "",
    model: model?.id ?? "",
    seconds: defaultSeconds(model?.seconds ?? []),
    size: landscapeSize(model?.sizes ?? []),
    // Optional sound starts on: the model is at its best with it, and the cost says what it adds.
    sound: true,
    referenceMode: "none",
    frame: "",
    generatedKey: "",
    generatedUrl: "",
    imagePrompt: "",
  };
}

/** The form's fields as submitted; anything unreadable falls back to the defaults. */
export function readValues(form: FormData, defaults: CreateValues): CreateValues {
  const mode = text(form, "referenceMode");
  const seconds = Number(text(form, "seconds", 5));
  return {
    prompt: text(form, "prompt", 8000),
    provider: text(form, "provider", 50) || defaults.provider,
    model: text(form, "model", 100) || defaults.model,
    seconds: Number.isInteger(seconds) && seconds > 0 ? seconds : defaults.seconds,
    size: text(form, "size", 20) || defaults.size,
    // A checkbox: present when on. A form from before the sound option keeps the default.
    sound: form.has("soundChoice") ? form.get("sound") === "on" : defaults.sound,
    referenceMode: (REFERENCE_MODES as readonly string[]).includes(mode)
      ? (mode as ReferenceMode)
      : "none",
    frame: text(form, "frame", 40),
    generatedKey: text(form, "generatedKey", 300),
    generatedUrl: text(form, "generatedUrl", 4000),
    imagePrompt: text(form, "imagePrompt", 8000),
  };
}

/** "{jobId}:first|last" → its parts, or undefined. */
export function parseFrame(value: string): { id: string; frame: "first" | "last" } | undefined {
  const [id = "", frame] = value.split(":");
  return isJobId(id) && (frame === "first" || frame === "last") ? { id, frame } : undefined;
}

const asFrameSource = (job: JobView<FrameMedia>): FrameSource => ({
  id: job.id,
  prompt: job.prompt,
  size: job.size,
  first: job.media.firstFrame?.url ?? null,
  last: job.media.lastFrame?.url ?? null,
});

/** The newest finished takes with extracted frames, for the "From a take" picker. */
export async function frameSources(
  caller: ResolvedCredential,
  include?: JobView<FrameMedia>,
): Promise<FrameSource[]> {
  const { jobs } = await listVideoFrames(caller, { status: "completed", limit: 24 }).catch(
    (error: unknown) => {
      if (error instanceof TakesError) return { jobs: [] as JobView<FrameMedia>[] };
      throw error;
    },
  );
  const sources = jobs.filter((job) => job.media.firstFrame || job.media.lastFrame);
  if (include && !sources.some((job) => job.id === include.id)) sources.unshift(include);
  return sources.map(asFrameSource);
}
