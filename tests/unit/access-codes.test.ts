import { describe, expect, it } from "vitest";
import {
  accessCodeStatus,
  generateAccessCode,
  parseExpiry,
  secondsLeft,
  type AccessCode,
} from "#core/access-codes";
import { waitMs } from "#core/rate-limit";

const now = new Date("2026-06-15T12:00:00Z");

describe("generateAccessCode", () => {
  it("makes readable, distinct codes that are never taken for a provider key", () => {
    const codes = Array.from({ length: 200 }, generateAccessCode);
    for (const code of codes) {
      expect(code).toMatch(/^take(-[0-9a-hjkmnp-tv-z]{4}){4}$/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("parseExpiry", () => {
  it("takes a day as the end of that day, UTC", () => {
    expect(parseExpiry("2026-12-31", now).toISOString()).toBe("2026-12-31T23:59:59.999Z");
  });

  it("takes an ISO instant with its zone", () => {
    expect(parseExpiry("2026-07-01T18:00:00+02:00", now).toISOString()).toBe(
      "2026-07-01T16:00:00.000Z",
    );
  });

  it.each(["tomorrow", "2026-02-30", "2026-07-01T18:00", "2026-06-14", "2026-06-15T11:59:59Z"])(
    "refuses %s",
    (text) => {
      expect(() => parseExpiry(text, now)).toThrow(/not a date|calendar|past/);
    },
  );
});

describe("accessCodeStatus", () => {
  const code: AccessCode = {
    codeHash: "h",
    label: "x",
    quotaSeconds: 60,
    usedSeconds: 20,
    createdAt: "2026-01-01T00:00:00.000Z",
  };

  it("revoked, then expired, then exhausted, else active", () => {
    expect(accessCodeStatus(code, now)).toBe("active");
    expect(secondsLeft(code)).toBe(40);
    expect(accessCodeStatus({ ...code, usedSeconds: 60 }, now)).toBe("exhausted");
    expect(accessCodeStatus({ ...code, expiresAt: now.toISOString() }, now)).toBe("expired");
    expect(
      accessCodeStatus({ ...code, expiresAt: "2020-01-01T00:00:00.000Z", revokedAt: "x" }, now),
    ).toBe("revoked");
  });
});

describe("waitMs (sliding-window retry-after)", () => {
  const rule = { limit: 10, windowSeconds: 60 };

  it("a full current window waits for the next one", () => {
    expect(waitMs({ previous: 0, current: 10 }, 0.5, rule)).toBe(30_001);
  });

  it("a heavy previous window waits until enough of it has slid out", () => {
    // 10 × (1 − f) + 5 < 10 once f > 0.5.
    expect(waitMs({ previous: 10, current: 5 }, 0.25, rule)).toBe(15_001);
  });
});
