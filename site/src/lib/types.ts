/** Shapes the server hands the browser. Types only: nothing here reaches a bundle. */

import type { PublicModel, PublicProvider } from "$core/catalog";
import type { CodeAllowance } from "$core/tool-budget";

/** What an access code has left: video seconds and prompt and image tool uses. */
export type Allowance = CodeAllowance;

/** What the create form offers: a provider the caller can use, with its models' capabilities. */
export type ProviderOption = PublicProvider;
export type ModelOption = PublicModel;

/** Where the new video's reference image comes from. */
export type ReferenceMode = "none" | "upload" | "generate" | "frame";

/** Everything the create form holds, as strings and numbers, so a round trip can refill it. */
export interface CreateValues {
  prompt: string;
  provider: string;
  model: string;
  seconds: number;
  size: string;
  /** For models whose sound is optional. */
  sound: boolean;
  referenceMode: ReferenceMode;
  /** "{jobId}:first" | "{jobId}:last" */
  frame: string;
  /** A generated image's key (references/{owner}/…) and a short-lived URL to preview it. */
  generatedKey: string;
  generatedUrl: string;
  imagePrompt: string;
}

/** A finished take whose frames can start a new one. */
export interface FrameSource {
  id: string;
  prompt: string;
  size: string;
  first: string | null;
  last: string | null;
}

export interface ImprovedPrompt {
  /** The prompt that was improved, shown beside the suggestion. */
  original: string;
  prompt: string;
  notes: string[];
}

export type FieldErrors = Partial<Record<string, string>>;

/** What any of the create page's actions may answer. */
export interface CreateResult {
  values?: CreateValues;
  errors?: FieldErrors;
  improved?: ImprovedPrompt;
  generated?: { key: string; url: string; width: number; height: number };
  /** An access code's allowance after the action; null for a brought key. */
  allowance?: Allowance | null;
}
