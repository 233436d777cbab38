import type { BuildAppOptions } from "fauxqs";

/**
 * fauxqs's own stores, wired for persistence the way its `startFauxqs()` wires them.
 *
 * Why not `startFauxqs()`: it always listens on 0.0.0.0. `buildApp()` lets us choose the address
 * and accepts ready-made stores, but the package exports neither the store classes nor its
 * persistence managers. So they are loaded from the package's own files beside its entry point:
 * the very modules `buildApp()` itself imports, not a copy. Pinned fauxqs version: 2.4.1.
 */

export type FauxqsStores = NonNullable<BuildAppOptions["stores"]>;
type SqsStore = FauxqsStores["sqsStore"];
type SnsStore = FauxqsStores["snsStore"];
type S3Store = FauxqsStores["s3Store"];
type PersistenceManager = NonNullable<SqsStore["persistence"]>;
type S3Persistence = NonNullable<S3Store["persistence"]> & { close(): void };

const fauxqsFile = (path: string) => new URL(path, import.meta.resolve("fauxqs")).href;

const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }, { FileS3Persistence }] =
  (await Promise.all([
    import(fauxqsFile("./sqs/sqsStore.js")),
    import(fauxqsFile("./sns/snsStore.js")),
    import(fauxqsFile("./s3/s3Store.js")),
    import(fauxqsFile("./persistence.js")),
    import(fauxqsFile("./s3/fileS3Persistence.js")),
  ])) as [
    { SqsStore: new () => SqsStore },
    { SnsStore: new () => SnsStore },
    { S3Store: new () => S3Store },
    { PersistenceManager: new (dataDir: string) => PersistenceManager },
    { FileS3Persistence: new (dir: string) => S3Persistence },
  ];

export interface PersistentStores {
  stores: FauxqsStores;
  /** Closes the SQLite database and file store; call once the server has stopped. */
  close(): void;
}

/**
 * Queues, topics and messages live in SQLite under `dataDir`; objects too, unless `s3StorageDir`
 * is given, where their bodies are kept as plain files (better for large videos). Without either,
 * everything is in memory.
 */
export function createStores(options: {
  dataDir?: string;
  s3StorageDir?: string;
}): PersistentStores {
  const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
  const database = options.dataDir ? new PersistenceManager(options.dataDir) : undefined;
  const files = options.s3StorageDir ? new FileS3Persistence(options.s3StorageDir) : undefined;

  // Load before attaching persistence, as startFauxqs does: attaching first would make the load
  // write every row back (and cascade-delete messages of re-inserted queues).
  if (database && !files) {
    database.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  } else {
    database?.loadSqsAndSns(stores.sqsStore, stores.snsStore);
    files?.loadS3(stores.s3Store);
  }
  if (database) {
    stores.sqsStore.persistence = database;
    stores.snsStore.persistence = database;
    for (const queue of stores.sqsStore.allQueues()) queue.persistence = database;
  }
  const s3Persistence = files ?? database;
  if (s3Persistence) stores.s3Store.persistence = s3Persistence;

  return {
    stores,
    close() {
      database?.close();
      files?.close();
    },
  };
}
