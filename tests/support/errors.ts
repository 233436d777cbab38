import { expect } from "vitest";
import { TakesError } from "#core/errors";

/** The TakesError `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function takesRejection(promise: Promise<unknown>): Promise<TakesError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TakesError);
  return error as TakesError;
}

/** What `promise` rejects with, whatever it is; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}
