/**
 * The arrows of the code base, checked in CI (`npm run lint`): functions → core, site → core,
 * local → functions/core; nothing in core knows HTTP or Lambda; core/media is a leaf; no cycles;
 * the schemas load light.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycles-in-core",
      comment: "core's modules and folders depend on each other one way only.",
      severity: "error",
      from: { path: "^core/" },
      to: { circular: true },
    },
    {
      name: "core-knows-no-outside",
      comment: "The domain imports nothing from the handlers, the site, the local stack or tests.",
      severity: "error",
      from: { path: "^core/" },
      to: { path: "^(functions|site|local|tests|bench|scripts|infra)/" },
    },
    {
      name: "core-knows-no-lambda",
      comment: "Lambda's event types belong to functions/.",
      severity: "error",
      from: { path: "^core/" },
      to: { path: "node_modules/@types/aws-lambda" },
    },
    {
      name: "media-is-a-leaf",
      comment: "S3, ffmpeg and image fitting know nothing of jobs, the pipeline or the use cases.",
      severity: "error",
      from: { path: "^core/media/" },
      to: { path: "^core/(?!media/|errors\\.ts|aws\\.ts|aws/)" },
    },
    {
      name: "schemas-stay-light",
      comment:
        "The request and response schemas (which the CLI, MCP server and OpenAPI document load) and the job's shape reach no provider SDK, AWS client or storage.",
      severity: "error",
      from: { path: "^core/(requests|responses)\\.ts$|^core/jobs/(model|state)\\.ts$" },
      to: {
        path: "^core/(providers/(?!(contract|model-schemas)\\.ts)|aws\\.ts|dynamo\\.ts|jobs/repository\\.ts|media/(?!layout\\.ts))|node_modules/(@aws-sdk|@openrouter|@runwayml|@fal-ai|openai|sharp)/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "readers-package-no-adapter",
      comment:
        "Functions that never call a provider reach only its declarations: core/providers/index.ts imports every adapter (lazily), so reaching it packages every provider SDK.",
      severity: "error",
      from: {
        path: "^functions/(http/(health|openapi|webhook|videos/(list|get|frame|delete)|shares/[a-z]+)|queues/frames|schedules/sweeper)\\.ts$",
      },
      to: { path: "^core/providers/index\\.ts$", reachable: true },
    },
    {
      name: "functions-stay-thin",
      comment: "Handlers call core; they never reach into the local stack or tests.",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^(local|tests|bench|site)/" },
    },
    {
      name: "bench-imports-no-tests",
      comment: "Benchmarks share helpers with tests through local/, never tests/ itself.",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "^tests/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { conditionNames: ["import", "require", "node", "default"] },
  },
};
