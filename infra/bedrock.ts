// Amazon Bedrock takes no key: whatever starts or polls a Bedrock job calls it with its own AWS
// role (core/providers/bedrock.ts), so those functions and the site get these permissions. The
// video lands in the Media bucket, under the starter's own S3 access (incoming/, ./access.ts).

/** Bedrock's model, as IAM names it in any region. */
const LUMA_RAY2 = "arn:aws:bedrock:*::foundation-model/luma.ray-v2:0";

/** Start a Luma Ray2 generation: StartAsyncInvoke is authorised as InvokeModel. */
export const startsBedrockJobs = [{ actions: ["bedrock:InvokeModel"], resources: [LUMA_RAY2] }];

/** Ask how a generation is doing (its invocation ARN is only known once started). */
export const pollsBedrockJobs = [{ actions: ["bedrock:GetAsyncInvoke"], resources: ["*"] }];
