import { tick, untrack } from "svelte";
import { applyAction } from "$app/forms";
import type { SubmitFunction } from "@sveltejs/kit";
import { sizeInfo } from "$lib/format";
import type {
  Allowance,
  CreateResult,
  CreateValues,
  FieldErrors,
  FrameSource,
  ImprovedPrompt,
  ProviderOption,
} from "$lib/types";

/** What the page hands the create form. */
export interface CreateFormProps {
  providers: ProviderOption[];
  prices: Record<string, number | null>;
  initial: CreateValues;
  frames: FrameSource[];
  maxPromptLength: number;
  /** What the access code has left; null for a brought key. */
  allowance: Allowance | null;
  /** The create request's Idempotency-Key, made as the page rendered. */
  createKey: string;
  /** The last action's answer (a round trip without JavaScript), if any. */
  result: CreateResult | null;
}

/** The form's actions that show progress while they run. */
type PendingAction = "create" | "improve" | "image";

/** 4 MiB: what the server accepts for an upload. */
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

const ORIENTATIONS = ["landscape", "portrait", "square"] as const;

/**
 * The create form's state, shared by its parts: the values it posts, the errors and suggestion the
 * actions answer with, the upload's preview, and what follows from the chosen provider and size.
 * Made once per form, while the form component initialises.
 */
export class CreateFormState {
  /** The component's props, read through so that the form follows them. */
  readonly #props: () => CreateFormProps;
  values: CreateValues;
  errors: FieldErrors;
  improved: ImprovedPrompt | null;
  /** The suggestion as the person edits it. */
  suggestion: string;
  /** The prompt a taken suggestion replaced, for Undo. */
  replacedPrompt = $state<string | null>(null);
  uploadPreview = $state<string | null>(null);
  uploadName = $state<string | null>(null);
  pending = $state<PendingAction | null>(null);
  /** What the access code has left, as the latest answer said. */
  allowance: Allowance | null;
  /** Sent with a create: a double submit makes one video. */
  createKey: string;

  constructor(props: () => CreateFormProps) {
    this.#props = props;
    // The form owns its values from here on; the server's answer only seeds them.
    const { result, initial, allowance } = untrack(() => ({ ...props() }));
    this.values = $state({ ...(result?.values ?? initial) });
    this.errors = $state(result?.errors ?? {});
    this.improved = $state(result?.improved ?? null);
    this.suggestion = $state(result?.improved?.prompt ?? "");
    this.allowance = $state(result?.allowance ?? allowance);
    this.createKey = $state(untrack(() => props().createKey));
  }

  get providers() {
    return this.#props().providers;
  }
  get frames() {
    return this.#props().frames;
  }
  get maxPromptLength() {
    return this.#props().maxPromptLength;
  }

  /** The chosen provider, with its models. */
  readonly provider = $derived.by(() => {
    const { providers } = this.#props();
    return providers.find((option) => option.name === this.values.provider) ?? providers[0]!;
  });
  /** The chosen model's declared capabilities and price. */
  readonly current = $derived.by(
    () =>
      this.provider.models.find((option) => option.id === this.values.model) ??
      this.provider.models[0]!,
  );
  /** Whether the clip will have sound: always, never, or as the person chose. */
  readonly sound = $derived.by(
    () =>
      this.current.sound === "always" || (this.current.sound === "optional" && this.values.sound),
  );
  readonly cost = $derived.by(() => {
    const { provider, model, seconds, size } = this.values;
    return this.#props().prices[`${provider}|${model}|${seconds}|${size}|${this.sound}`];
  });
  readonly shape = $derived.by(() => sizeInfo(this.values.size));
  readonly sizesByOrientation = $derived.by(() =>
    ORIENTATIONS.map((orientation) => ({
      orientation,
      sizes: this.current.sizes.filter((option) => sizeInfo(option).orientation === orientation),
    })).filter((group) => group.sizes.length > 0),
  );
  readonly chosenFrame = $derived.by(() => {
    const [id, which] = this.values.frame.split(":");
    const source = this.#props().frames.find((candidate) => candidate.id === id);
    return source && (which === "first" || which === "last")
      ? { source, which, url: source[which] }
      : null;
  });

  invalid = (field: string) => (this.errors[field] ? "true" : undefined);
  describedBy = (field: string, hint?: string) => (this.errors[field] ? `${field}-error` : hint);

  /** Keeps the model among the newly chosen provider's, then the settings among the model's. */
  fitToProvider = () => {
    const { models } = this.provider;
    if (!models.some((model) => model.id === this.values.model)) {
      this.values.model = models[0]?.id ?? "";
    }
    this.fitToModel();
  };

  /** Keeps the duration and size among what the newly chosen model makes. */
  fitToModel = () => {
    const { seconds, sizes } = this.current;
    const { values } = this;
    if (!seconds.includes(values.seconds)) {
      // The nearest length it makes, so a change of model changes the clip as little as it can.
      values.seconds = [...seconds].sort(
        (a, b) => Math.abs(a - values.seconds) - Math.abs(b - values.seconds),
      )[0]!;
    }
    if (!sizes.includes(values.size)) {
      const { orientation } = sizeInfo(values.size);
      values.size = sizes.find((size) => sizeInfo(size).orientation === orientation) ?? sizes[0]!;
    }
  };

  /** Previews the chosen file, or says at once that it is too large to upload. */
  chooseFile(file: File | undefined) {
    this.releasePreview();
    this.uploadPreview = null;
    this.uploadName = null;
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      this.errors = {
        ...this.errors,
        reference: "That image is larger than 4 MiB; choose a smaller one.",
      };
      return;
    }
    this.errors = { ...this.errors, reference: undefined };
    this.uploadPreview = URL.createObjectURL(file);
    this.uploadName = file.name;
  }

  /** The browser could not show the chosen file. */
  previewFailed() {
    this.uploadPreview = null;
    this.errors = { ...this.errors, reference: "That file is not an image this browser can show." };
  }

  releasePreview() {
    if (this.uploadPreview) URL.revokeObjectURL(this.uploadPreview);
  }

  acceptSuggestion() {
    if (!this.improved) return;
    this.replacedPrompt = this.values.prompt;
    this.values.prompt = this.suggestion.trim() ? this.suggestion : this.improved.prompt;
    this.improved = null;
  }

  discardSuggestion() {
    this.improved = null;
  }

  undoAccept() {
    if (this.replacedPrompt === null) return;
    this.values.prompt = this.replacedPrompt;
    this.replacedPrompt = null;
  }

  /** Every action of the form, enhanced: only a redirect leaves the page; answers fill the form. */
  submit: SubmitFunction = ({ action, formData, formElement }) => {
    const name = action.search.startsWith("?/") ? action.search.slice(2) : "create";
    // Only creating needs the uploaded file; the other actions would carry it for nothing.
    if (name !== "create") formData.delete("referenceFile");
    this.pending = name === "improve" || name === "image" ? name : "create";
    return async ({ result: reply }) => {
      this.pending = null;
      if (reply.type === "redirect") {
        await applyAction(reply);
        return;
      }
      // A create that made no video leaves the form free for another request: a new key.
      if (name === "create") this.createKey = crypto.randomUUID();
      if (reply.type === "error") {
        this.errors = { form: reply.error?.message ?? "Something went wrong; try again." };
        await focusFirstError(formElement);
        return;
      }
      const data = (reply.data ?? {}) as CreateResult;
      if (data.allowance !== undefined) this.allowance = data.allowance;
      if (reply.type === "failure") {
        this.errors = data.errors ?? { form: "Something went wrong; try again." };
        await focusFirstError(formElement);
        return;
      }
      this.errors = {};
      if (name === "improve" && data.improved) {
        this.improved = data.improved;
        this.suggestion = data.improved.prompt;
        this.replacedPrompt = null;
      }
      if (name === "image" && data.generated) {
        this.values.generatedKey = data.generated.key;
        this.values.generatedUrl = data.generated.url;
      }
    };
  };
}

async function focusFirstError(form: HTMLFormElement) {
  await tick();
  form.querySelector<HTMLElement>('[aria-invalid="true"], .form-error')?.focus();
}
