import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";

export default ts.config(
  {
    ignores: [
      "node_modules/",
      ".sst/",
      ".takes/",
      "site/build/",
      "site/build-*/",
      "site/.svelte-kit-*/",
      "site/.svelte-kit/",
      "test-output/",
      "sst-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // What the Lambdas and the site's server load at a cold start (bench/lean-lambdas.ts).
    files: ["core/**/*.ts", "functions/**/*.ts", "site/src/**/*.ts", "site/src/**/*.svelte"],
    // The reply schemas are for the OpenAPI document; the use cases import only their types.
    ignores: ["core/responses.ts", "core/providers/model-schemas.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "sst",
              message:
                'Import Resource from "sst/resource": the package root also loads node:util.',
            },
            {
              name: "zod",
              message:
                'Use "zod/mini": the classic API brings zod\'s JSON Schema code into every cold start.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: ts.parser }, globals: { ...globals.browser } },
  },
  {
    // SST injects these globals into sst.config.ts and infra/.
    files: ["sst.config.ts", "infra/**/*.ts"],
    languageOptions: {
      globals: {
        $config: "readonly",
        $app: "readonly",
        $dev: "readonly",
        sst: "readonly",
        $interpolate: "readonly",
        $resolve: "readonly",
        aws: "readonly",
      },
    },
    rules: { "@typescript-eslint/triple-slash-reference": "off" },
  },
);
