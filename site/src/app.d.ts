// See https://svelte.dev/docs/kit/types#app.d.ts
import type { ResolvedCredential } from "$core/credentials";
import type { Session } from "$core/session";

declare global {
  namespace App {
    interface Error {
      code?: string;
      message: string;
    }
    interface Locals {
      /** Who is signed in (hooks.server.ts), from the sealed session cookie; undefined when signed out. */
      caller?: ResolvedCredential;
      /** The session the cookie names, to end on sign-out; undefined when signed out. */
      session?: Pick<Session, "id" | "ownerId">;
    }
  }
}

export {};
