// Imported first by benchmarks that run handlers in-process: core/log.ts reads its level when it
// loads, and a poll's info lines ("polled", one per poll) would bury the figures.
process.env.TAKES_LOG_LEVEL ??= "WARN";
