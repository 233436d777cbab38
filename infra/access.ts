// Least privilege. Linking a component hands a function its name (`Resource.<Name>`) and, by SST's
// default, every action on it (dynamodb:*, s3:*, sqs:*). These links hand over the same name but
// grant only the actions named, on the parts named: a table's items or its indexes, a bucket's
// keys under a pattern, a queue. tests/infra/real-graph.test.ts holds the table of what each
// function's code does, and checks the policies SST builds from these against it.

type Table = sst.aws.Dynamo;
type Bucket = sst.aws.Bucket;
type Queue = sst.aws.Queue;
type Permission = sst.aws.FunctionPermissionArgs;

/** A link as SST reads one (platform/src/components/link.ts): a name, properties, grants. */
export interface ScopedLink {
  /** The linked component; the local stack's recorder names the link after it. */
  readonly component: Table | Bucket | Queue;
  readonly urn: Table["urn"];
  getSSTLink(): {
    properties: Record<string, unknown>;
    include: ReturnType<typeof sst.aws.permission>[];
  };
}

function scoped(component: Table | Bucket | Queue, grants: () => Permission[]): ScopedLink {
  return {
    component,
    get urn() {
      return component.urn;
    },
    getSSTLink: () => ({
      properties: component.getSSTLink().properties,
      include: grants().map((grant) => sst.aws.permission(grant)),
    }),
  };
}

type ItemAction =
  "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan" | "DescribeTable";

/** `actions` on a table's items, and Query on each of `indexes`. */
export function tableAccess(table: Table, actions: ItemAction[], indexes: string[] = []) {
  return scoped(table, () => [
    ...(actions.length > 0
      ? [{ actions: actions.map((action) => `dynamodb:${action}`), resources: [table.arn] }]
      : []),
    ...(indexes.length > 0
      ? [
          {
            actions: ["dynamodb:Query"],
            resources: indexes.map((index) => $interpolate`${table.arn}/index/${index}`),
          },
        ]
      : []),
  ]);
}

/** What a function does with a bucket's objects, by key pattern (e.g. "videos/*\/first.png"). */
export interface ObjectAccess {
  read?: string[];
  write?: string[];
  remove?: string[];
  /**
   * ListBucket: deleting a prefix lists it, and without it S3 answers a missing key with 403,
   * not the 404 that tells "not there yet" (core/media/storage.ts mediaExists).
   */
  list?: boolean;
}

export function bucketAccess(
  bucket: Bucket,
  { read = [], write = [], remove = [], list }: ObjectAccess,
) {
  const keys = (patterns: string[]) =>
    patterns.map((pattern) => $interpolate`${bucket.arn}/${pattern}`);
  return scoped(bucket, () => [
    ...(list ? [{ actions: ["s3:ListBucket"], resources: [bucket.arn] }] : []),
    ...(read.length > 0 ? [{ actions: ["s3:GetObject"], resources: keys(read) }] : []),
    // A multipart upload a copier gives up on is aborted, not left billed.
    ...(write.length > 0
      ? [{ actions: ["s3:PutObject", "s3:AbortMultipartUpload"], resources: keys(write) }]
      : []),
    ...(remove.length > 0 ? [{ actions: ["s3:DeleteObject"], resources: keys(remove) }] : []),
  ]);
}

/** `actions` on a queue, e.g. SendMessage. */
export function queueAccess(queue: Queue, actions: Array<"SendMessage" | "GetQueueAttributes">) {
  return scoped(queue, () => [
    { actions: actions.map((action) => `sqs:${action}`), resources: [queue.arn] },
  ]);
}
