/// <reference path="./.sst/platform/config.d.ts" />

// Takes on AWS. Each concern lives in its own file under infra/; they are imported inside run()
// because the SST globals (sst.*, $app) exist only while the platform runs the program.
export default $config({
  app(input) {
    return {
      name: "takes",
      home: "aws",
      // Keep production's tables and bucket if the stage is ever removed; other stages clean up.
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    await import("./infra/secrets");
    await import("./infra/storage");
    await import("./infra/queues");
    await import("./infra/schedules");
    await import("./infra/api");
    const { router } = await import("./infra/site");
    return { url: router.url };
  },
});
