/* Hand-written mirror of the file `sst dev`/`sst deploy` generate here: it types
 * `import { Resource } from "sst"` for core/, functions/ and site/. tests/infra/wiring.test.ts
 * fails when a linkable component in infra/ is missing here or has the wrong shape. */
/* eslint-disable */

import "sst";
declare module "sst" {
  export interface Resource {
    Api: {
      type: "sst.aws.ApiGatewayV2";
      url: string;
    };
    BedrockRegion: {
      type: "sst.sst.Secret";
      value: string;
    };
    Codes: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    DeadLetters: {
      type: "sst.aws.Queue";
      url: string;
    };
    FalKey: {
      type: "sst.sst.Secret";
      value: string;
    };
    FramesDeadLetters: {
      type: "sst.aws.Queue";
      url: string;
    };
    FramesQueue: {
      type: "sst.aws.Queue";
      url: string;
    };
    IdempotencyKeys: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    Jobs: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    Limits: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    Media: {
      name: string;
      type: "sst.aws.Bucket";
    };
    OpenRouterKey: {
      type: "sst.sst.Secret";
      value: string;
    };
    OpenRouterWebhookSecret: {
      type: "sst.sst.Secret";
      value: string;
    };
    PollDeadLetters: {
      type: "sst.aws.Queue";
      url: string;
    };
    PollQueue: {
      type: "sst.aws.Queue";
      url: string;
    };
    ProviderBaseUrl: {
      type: "sst.sst.Secret";
      value: string;
    };
    ProviderDeletes: {
      type: "sst.aws.Queue";
      url: string;
    };
    ProviderKey: {
      type: "sst.sst.Secret";
      value: string;
    };
    RunwayKey: {
      type: "sst.sst.Secret";
      value: string;
    };
    Router: {
      type: "sst.aws.Router";
      url: string;
    };
    ServerSecret: {
      type: "sst.sst.Secret";
      value: string;
    };
    Sessions: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    Shares: {
      name: string;
      type: "sst.aws.Dynamo";
    };
    Site: {
      type: "sst.aws.SvelteKit";
      url: string;
    };
    WebhookSecret: {
      type: "sst.sst.Secret";
      value: string;
    };
  }
}
export {};
