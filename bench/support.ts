/**
 * What every benchmark shares: the heading that says where and when it ran, a few statistics, and
 * plain-text tables. Benchmarks print figures and ratios; they never assert on timings.
 */
import { cpus, loadavg } from "node:os";

export const MB = 1_000_000;
export const MiB = 1024 * 1024;

/** Prints the benchmark's name, what it measures, and the machine and moment it ran on. */
export function printHeading(title: string, about: string) {
  const cores = cpus();
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  console.log(`# ${title}`);
  console.log(about);
  console.log(
    `${new Date().toISOString()} · Node ${process.version} · ${cores.length} cores ` +
      `(${cores[0]?.model.trim() ?? "unknown CPU"}) · load average ${load}\n`,
  );
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The nearest-rank percentile (p in 0–100), so p95 of 50 values is the 48th smallest. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** `value / baseline` as a ratio to read: "0.12×". */
export function ratio(value: number, baseline: number, digits = 2): string {
  return `${(value / baseline).toFixed(digits)}×`;
}

export const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** Prints rows as an aligned plain-text table, numbers right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = /^[-+]?[\d.]+(×| s| ms)?$/;
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric.test(cell) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log();
}

/** Runs `work` and returns how long it took, in seconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}
