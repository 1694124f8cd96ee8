import type { ProgressEvent } from "@tidemark/migrate";

/**
 * A progress event as the worker publishes it: the engine's event, stamped with the last
 * migration this run finished, so a waiter that joined late (an API booting, a CLI joining
 * a shared upgrade) can still say where the job stood when its worker went away.
 */
export type PublishedProgress = ProgressEvent & { lastFinished?: string };

/** Returns a function that stamps each event of one run with the last migration it finished. */
export function progressStamper(): (event: ProgressEvent) => PublishedProgress {
  let lastFinished: string | undefined;
  return (event) => {
    if (event.type === "step-done") lastFinished = event.revision;
    return lastFinished === undefined ? event : { ...event, lastFinished };
  };
}
