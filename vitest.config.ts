import { defineConfig } from "vitest/config";

// Three projects (see tests/README.md): unit — pure code; components — tests that start the
// servers they need themselves; integration — through the HTTP API of one full local stack started
// by the global setup, and in real Chromium against it (tests/e2e/).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        test: {
          name: "components",
          include: ["tests/components/**/*.test.ts", "tests/infra/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts", "tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
