/** `sst.aws.Dynamo` (platform/src/components/aws/dynamo.ts): a table's keys, indexes and TTL. */
import type { TableModel } from "./model";
import { StandIn } from "./recording";
import { optionalString, requiredString, type Args } from "./values";

export class DynamoStandIn extends StandIn {
  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.Dynamo");
    const index = (value: unknown, what: string) => {
      const { hashKey, rangeKey } = (value ?? {}) as Args;
      return {
        hashKey: requiredString(hashKey, `${what}.hashKey`),
        ...(rangeKey !== undefined && { rangeKey: requiredString(rangeKey, `${what}.rangeKey`) }),
      };
    };
    const table: TableModel = {
      fields: (args.fields ?? {}) as TableModel["fields"],
      primaryIndex: index(args.primaryIndex, `${name}: primaryIndex`),
      globalIndexes: Object.fromEntries(
        Object.entries((args.globalIndexes ?? {}) as Args).map(([indexName, value]) => [
          indexName,
          index(value, `${name}: globalIndexes.${indexName}`),
        ]),
      ),
    };
    const ttl = optionalString(args.ttl, `${name}: ttl`);
    if (ttl !== undefined) table.ttl = ttl;
    this.recording.model.tables[name] = table;
  }
}
