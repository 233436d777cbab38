import type { ListedJob, PublicJob } from "$core/videos/view";

/**
 * What the live poll (`/jobs.json?ids=`) answers for the `media` it asks: cards (URLs for the
 * thumbnail and sprite sheet only) for a grid of them, or every file's URL for a page that plays.
 */
export interface PolledJobs {
  card: ListedJob;
  all: PublicJob;
}
export type PolledMedia = keyof PolledJobs;

/**
 * Keeps running jobs up to date without a reload: while `ids()` names any job, asks the site for
 * those jobs, as `media` shows them, every `intervalMs` (one request for all of them), pausing
 * while the tab is hidden. `onJobs` gets the fresh jobs and the ids that are gone (deleted
 * elsewhere). Call it during component initialisation: it owns an effect.
 */
export function watchJobs<Media extends PolledMedia>(
  media: Media,
  ids: () => string[],
  onJobs: (jobs: PolledJobs[Media][], gone: string[]) => void,
  intervalMs = 2000,
) {
  const key = $derived(ids().join(","));
  $effect(() => {
    const wanted = key;
    if (!wanted) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    const tick = async () => {
      if (document.visibilityState === "hidden") return schedule();
      try {
        const query = `ids=${encodeURIComponent(wanted)}&media=${media}`;
        const response = await fetch(`/jobs.json?${query}`, {
          headers: { accept: "application/json" },
        });
        if (response.status === 401) {
          location.assign(`/sign-in?next=${encodeURIComponent(location.pathname)}`);
          return;
        }
        if (response.ok && !stopped) {
          const { jobs } = (await response.json()) as { jobs: PolledJobs[Media][] };
          const gone = wanted.split(",").filter((id) => !jobs.some((job) => job.id === id));
          onJobs(jobs, gone);
        }
      } catch {
        // Offline for a moment: the next tick tries again.
      }
      schedule();
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  });
}
