/**
 * bench/copy.ts's source in a process of its own, as a provider's server is another machine than
 * S3: prints its URL, then serves until it is killed.
 */
import { startSource } from "./copy-source";

const { url } = await startSource();
console.log(url);
