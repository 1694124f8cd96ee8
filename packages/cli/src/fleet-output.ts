import type { FleetView, TargetOutcome } from "@tidemark/jobs/fleet";
import { color, formatDuration, plural, rev, table } from "./output.js";

/** A target's status, coloured. */
export function targetState(status: TargetOutcome["status"]): string {
  if (status === "applied") return color.green(status);
  if (status === "unchanged") return color.dim(status);
  if (status === "failed") return color.red(status);
  if (status === "running") return color.cyan(status);
  if (status === "skipped") return color.yellow(status);
  return status;
}

/** What happened to a target, in a few words. */
export function targetDetail(o: TargetOutcome): string {
  if (o.error) return color.red(`${o.error.code}: ${o.error.message}`);
  if (o.reason) return o.reason;
  if (o.status === "applied" || o.status === "unchanged") {
    const steps = o.steps === undefined ? "" : ` (${plural(o.steps, "step")})`;
    const moved = o.from === undefined ? `at ${rev(o.to)}` : `${rev(o.from)} → ${rev(o.to)}${steps}`;
    return o.backupFile ? `${moved}, ${o.backupFile}` : moved;
  }
  return "";
}

/** One line about a run: how far it got and how fast. */
export function runSummary(view: FleetView): string {
  const c = view.report.counts;
  const done = c.applied + c.unchanged;
  const parts = [
    `${done}/${view.report.targets.length} done`,
    c.failed ? color.red(`${c.failed} failed`) : "0 failed",
    `${c.running} running`,
    c.skipped ? `${c.skipped} skipped` : "",
    `wave ${view.report.wavesStarted}/${view.report.waveCount}`,
    formatDuration(view.elapsedMs),
    `${view.targetsPerSecond} targets/s`,
  ];
  return parts.filter(Boolean).join(" · ");
}

/** Every target of a run as a table. */
export function printTargets(view: FleetView): void {
  table(
    ["TARGET", "STATUS", "TRY", "TIME", "DETAIL"],
    view.report.targets.map((o) => [
      o.target,
      targetState(o.status),
      String(o.attempt),
      formatDuration(o.durationMs),
      targetDetail(o),
    ]),
  );
}

/** A run's state word, coloured. */
export function runState(view: FleetView): string {
  const s = view.report.status;
  if (s === "completed") return color.green(s);
  if (s === "running") return color.cyan(s);
  return color.red(s);
}
