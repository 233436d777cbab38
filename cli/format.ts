/** How the CLI shows the API's answers to a person (`--json` prints them as they are). */
import type { Job, ListedJob, Model, Provider, Share } from "./client";

/** "$0.12", "$0.084": cents, or a tenth of one where the price has it. */
export const usd = (amount: number) => {
  const fine = amount.toFixed(3);
  return `$${fine.endsWith("0") ? amount.toFixed(2) : fine}`;
};

/** "$0.20/s silent, $0.40/s with sound; 1920x1080 $0.40/s". */
function price(model: Model): string {
  if (!model.price) return "price not published";
  const rules = model.price.perSecond;
  return rules
    .map(({ usd: amount, sizes, sound }, index) => {
      // A rule without sizes after rules with them prices the sizes they leave out.
      const otherSizes = !sizes && rules.slice(0, index).some((rule) => rule.sizes);
      const when = [
        sizes?.join(", ") ?? (otherSizes ? "other sizes" : undefined),
        sound === true ? "with sound" : sound === false ? "silent" : undefined,
      ].filter(Boolean);
      return `${usd(amount)}/s${when.length ? ` ${when.join(" ")}` : ""}`;
    })
    .join("; ");
}

/** A list of lengths as "2-10" when it has no gaps, else "4, 8, 12". */
function lengths(seconds: number[]): string {
  const contiguous = seconds.every(
    (value, index) => index === 0 || value === seconds[index - 1]! + 1,
  );
  return contiguous && seconds.length > 2
    ? `${seconds[0]}-${seconds.at(-1)} s`
    : `${seconds.join(", ")} s`;
}

export function formatProviders(providers: Provider[]): string {
  if (providers.length === 0) return "Your credential can use no provider.";
  return providers
    .map((provider) => {
      const balance = provider.account?.balance ? ` (${provider.account.balance})` : "";
      const models = provider.models.map((model) => {
        const images = [model.images.firstFrame && "first", model.images.lastFrame && "last"]
          .filter(Boolean)
          .join(" and ");
        return [
          `  ${model.id}  ${model.label}`,
          `    ${lengths(model.seconds)}; ${model.sizes.join(", ")}`,
          `    sound ${model.sound}; image ${images ? `as ${images} frame` : "input no"}` +
            `${model.remix ? "; remix" : ""}; ${price(model)}`,
        ].join("\n");
      });
      return [`${provider.name}  ${provider.label}${balance}`, ...models].join("\n");
    })
    .join("\n\n");
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** "label     value": the rows of a record, aligned. */
export const row = (label: string, value: string) => `${label.padEnd(10)}${value}`;

export function formatJob(job: Job): string {
  const running =
    job.status === "queued" || job.status === "in_progress" || job.status === "copying";
  const progress = running ? ` ${job.progress}%${job.progressEstimated ? " (est.)" : ""}` : "";
  const sound = job.sound === null ? "" : job.sound ? ", sound" : ", silent";
  const cost =
    job.cost.actualUsd !== null
      ? usd(job.cost.actualUsd)
      : job.cost.estimatedUsd !== null
        ? `~${usd(job.cost.estimatedUsd)} (list price)`
        : null;
  const rows: [string, string | null][] = [
    ["id", job.id],
    ["status", `${job.status.replace("_", " ")}${progress}`],
    ["prompt", job.prompt],
    ["settings", `${job.provider} ${job.model}, ${job.seconds} s, ${job.size}${sound}`],
    ["cost", cost],
    ["from", job.parentId],
    ["created", job.createdAt],
    ["finished", job.completedAt],
    ["file", job.media.video && megabytes(job.media.video.bytes)],
    ["error", job.error && `${job.error.message} (${job.error.code})`],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== null)
    .map(([label, value]) => row(label, value))
    .join("\n");
}

const oneLine = (text: string, width: number) => {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

export function formatJobList(jobs: ListedJob[], nextCursor: string | null): string {
  if (jobs.length === 0) return "No videos.";
  const lines = jobs.map((job) =>
    [
      job.id,
      job.status.padEnd(11),
      `${job.progress}%`.padStart(4),
      `${job.model} ${job.seconds}s ${job.size}`.padEnd(28),
      oneLine(job.prompt, 50),
    ].join("  "),
  );
  if (nextCursor) lines.push(`More: takes list --cursor ${nextCursor}`);
  return lines.join("\n");
}

export function formatShare(share: Share): string {
  return `${share.url}\nexpires ${share.expiresAt}`;
}

export function formatImproved({ prompt, notes }: { prompt: string; notes: string[] }): string {
  return notes.length ? `${prompt}\n\n${notes.map((note) => `- ${note}`).join("\n")}` : prompt;
}
