import { type ProgressEvent, type RunReport, rollback, TidemarkError, upgrade } from "@tidemark/migrate";
import type { CliContext } from "./context.js";
import { createProgress } from "./progress.js";

/** A job the CLI can run, in the shape of the queue's payloads (DESIGN §6). */
export type JobRequest =
  | { name: "upgrade"; payload: { to?: string; dryRun?: boolean; singleTransaction?: boolean } }
  | { name: "rollback"; payload: { to: string; noBackup?: boolean } };

/** What each job returns. */
export interface JobResults {
  upgrade: RunReport;
  rollback: RunReport;
}

/** How to run a job. */
export interface RunJobOptions {
  /** Run in this process under the advisory lock instead of enqueuing for the worker. */
  direct: boolean;
  /** Keep stdout for the final JSON document: progress goes to stderr. */
  json?: boolean;
}

/** Run the engine function behind a job in this process, rendering its progress. */
async function runDirect<N extends JobRequest["name"]>(
  cli: CliContext,
  request: Extract<JobRequest, { name: N }>,
  onProgress: (event: ProgressEvent) => void,
): Promise<JobResults[N]> {
  const req = request as JobRequest;
  switch (req.name) {
    case "upgrade":
      return (await upgrade(cli.engine, { ...req.payload, onProgress })) as JobResults[N];
    case "rollback":
      return (await rollback(cli.engine, { ...req.payload, onProgress })) as JobResults[N];
  }
}

/**
 * The seam between the two modes: `--direct` calls the engine here; otherwise the job is
 * enqueued for the worker and its progress streamed back. Either way the caller gets the
 * job's result or its error.
 */
export async function runJob<N extends JobRequest["name"]>(
  cli: CliContext,
  request: Extract<JobRequest, { name: N }>,
  options: RunJobOptions,
): Promise<JobResults[N]> {
  const progress = createProgress({ json: options.json });
  try {
    if (!options.direct) {
      throw new TidemarkError(
        "TM_INTERNAL",
        "Queue mode is not available in this build yet. Pass --direct to run in this process.",
      );
    }
    const result = await runDirect(cli, request, (e) => progress.event(e));
    progress.end(false);
    return result;
  } catch (err) {
    progress.end(true);
    throw err;
  }
}
