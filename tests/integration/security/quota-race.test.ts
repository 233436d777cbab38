// Concurrent creates through the HTTP API cannot spend more of an access code than its quota:
// every reservation is one conditional write, so racing requests get 402 once it is used up.
import { beforeAll, describe, expect, it } from "vitest";
import { findAccessCode, generateAccessCode, issueAccessCode } from "#core/access-codes";
import { api, useStackEnvironment } from "../../support/api";
import { VIDEO } from "../../support/videos";

beforeAll(useStackEnvironment);

describe("a code's quota under concurrent creates", () => {
  it("never overspends", async () => {
    const code = generateAccessCode();
    const quotaSeconds = 12; // three 4-second videos
    await issueAccessCode(code, { label: `race-${Date.now()}`, quotaSeconds });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        api("/api/videos", { credential: code, json: { ...VIDEO, seconds: 4 } }),
      ),
    );
    const accepted = replies.filter((reply) => reply.status === 202);
    const refused = replies.filter((reply) => reply.status !== 202);
    expect(accepted.length * VIDEO.seconds).toBeLessThanOrEqual(quotaSeconds);
    expect(accepted.length).toBeGreaterThan(0);
    for (const reply of refused) expect(reply.status).toBe(402);
    const stored = await findAccessCode(code);
    expect(stored!.usedSeconds).toBeLessThanOrEqual(quotaSeconds);
    expect(stored!.usedSeconds).toBe(accepted.length * VIDEO.seconds);
  });
});
