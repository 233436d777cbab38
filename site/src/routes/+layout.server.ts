import type { LayoutServerLoad } from "./$types";

export const load: LayoutServerLoad = ({ locals }) => ({
  account: locals.caller ? { kind: locals.caller.kind } : null,
});
