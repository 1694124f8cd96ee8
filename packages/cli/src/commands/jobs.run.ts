import path from "node:path";
import type { JobView } from "@tidemark/jobs";
import { loadCliConfig } from "../config.js";
import { cliLogger } from "../context.js";
import { color, plural, print, printJson, rev, table } from "../output.js";

/** `cli@host (user)` from a job's payload. */
function requester(view: JobView): string {
  const by = (view.payload as { requestedBy?: { via?: string; host?: string; user?: string } } | null)
    ?.requestedBy;
  if (!by) return "?";
  return `${by.via ?? "?"}@${by.host ?? "?"}${by.user ? ` (${by.user})` : ""}`;
}

/** One-line outcome: the error of a failed job, else a summary of its result. */
function outcome(view: JobView): string {
  if (view.invalid) return color.red(`invalid job: ${view.invalid}`);
  if (view.state === "failed") return color.red(`${view.errorCode ?? "failed"}: ${view.failedReason ?? ""}`);
  const r = view.result as Record<string, unknown> | null;
  if (!r) return "";
  if (Array.isArray(r.steps))
    return `${rev(r.from as string | null)} → ${rev(r.to as string | null)} (${plural(r.steps.length, "step")})`;
  if (typeof r.file === "string" && "sha256" in r) return path.basename(r.file);
  if ("revision" in r) return `restored, at ${rev(r.revision as string | null)}`;
  if (Array.isArray(r.targets))
    return `fleet run: ${plural(r.targets.length, "target")} (\`fleet jobs ${view.id}\`)`;
  return "";
}

/** Colour a job state. */
function state(s: string): string {
  if (s === "completed") return color.green(s);
  if (s === "failed") return color.red(s);
  if (s === "active") return color.cyan(s);
  return s;
}

/** The `jobs` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: { failed?: boolean; limit: number; json?: boolean }) => {
  // Loaded here so the other commands never pay for BullMQ.
  const { createMigrationsQueue } = await import("@tidemark/jobs");
  const { queue: config, logLevel } = loadCliConfig();
  const queue = createMigrationsQueue(config, { logger: cliLogger(logLevel) });
  try {
    const jobs = await queue.listJobs({ failed: Boolean(opts.failed), limit: opts.limit });
    if (opts.json) {
      printJson(jobs);
      return;
    }
    if (jobs.length === 0) {
      print(`No ${opts.failed ? "failed " : ""}jobs in queue "migrations" (prefix ${config.prefix}).`);
      return;
    }
    table(
      ["CREATED", "ID", "JOB", "STATE", "BY", "OUTCOME"],
      jobs.map((j) => [j.createdAt, j.id, j.name, state(j.state), requester(j), outcome(j)]),
      "",
    );
  } finally {
    await queue.close();
  }
};
