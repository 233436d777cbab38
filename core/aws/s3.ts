import { S3Client } from "@aws-sdk/client-s3";
import { endpoint } from "./endpoint";

let s3: S3Client | undefined;

export function s3Client(): S3Client {
  const url = endpoint("S3");
  s3 ??= new S3Client({ endpoint: url, forcePathStyle: url !== undefined });
  return s3;
}
