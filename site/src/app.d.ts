// See https://svelte.dev/docs/kit/types#app.d.ts
import type { ResolvedCredential } from "$core/credentials";

declare global {
  namespace App {
    interface Error {
      code?: string;
      message: string;
    }
    interface Locals {
      /** Who is signed in (hooks.server.ts), from the sealed session cookie; undefined when signed out. */
      caller?: ResolvedCredential;
    }
  }
}

export {};
