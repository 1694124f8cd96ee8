import type { FleetClient, FleetView } from "@tidemark/jobs/fleet";
import { TidemarkError } from "@tidemark/migrate/modules/errors";
import { loadCliConfig } from "./config.js";
import { printTargets, runSummary, targetDetail, targetState } from "./fleet-output.js";
import { onInterrupt } from "./interrupt.js";
import { color, nameCommands, print, printJson, success } from "./output.js";

// Each poll reads the run's children from Redis: frequent enough to feel live, cheap for 1000s of targets.
const POLL_MS = 300;
const FINAL = new Set(["applied", "unchanged", "failed", "skipped"]);

/** How to follow a run. */
export interface FollowOptions {
  json?: boolean;
  /** Stop waiting after this long (the run goes on); 0 or unset: TIDEMARK_JOB_TIMEOUT_MS, else no limit. */
  timeoutMs?: number;
  /** Outcomes already known (a resumed run's old failures): not printed again. */
  known?: FleetView;
}

function mustExist(view: FleetView | null, fleetId: string): FleetView {
  if (view) return view;
  throw new TidemarkError(
    "TM_FLEET_NOT_FOUND",
    `Fleet run ${fleetId} vanished from the queue while being followed.`,
  );
}

/** The error a run that did not complete ends the command with; its report rides along for --json. */
function stopped(view: FleetView): TidemarkError {
  const code = (view.error?.code ?? "TM_FLEET_HALTED") as "TM_FLEET_HALTED";
  return new TidemarkError(code, view.error?.message ?? `Fleet run ${view.id} ${view.report.status}.`, {
    details: { run: view },
  });
}

/** Prints what is new in each view: a wave as it starts, each target once as it finishes. */
function newsPrinter(known: FleetView | undefined): (view: FleetView) => void {
  const printed = new Map<string, number>(
    (known?.report.targets ?? []).filter((o) => FINAL.has(o.status)).map((o) => [o.target, o.attempt]),
  );
  let wave = 0;
  return (view) => {
    if (view.report.wavesStarted > wave) {
      wave = view.report.wavesStarted;
      print(
        color.bold(`Wave ${wave}/${view.report.waveCount} started`) + color.dim(`  (${runSummary(view)})`),
      );
    }
    for (const o of view.report.targets) {
      if (!FINAL.has(o.status) || printed.get(o.target) === o.attempt) continue;
      printed.set(o.target, o.attempt);
      print(`  ${targetState(o.status).padEnd(9)} ${o.target}  ${targetDetail(o)}`);
    }
  };
}

/** Says once when no worker has served the fleet queue for `afterMs`. */
function idleWatch(afterMs: number): (workers: number) => void {
  let idleSince: number | null = null;
  let warned = false;
  return (workers) => {
    idleSince = workers > 0 ? null : (idleSince ?? Date.now());
    if (idleSince === null || warned || Date.now() - idleSince < afterMs) return;
    warned = true;
    process.stderr.write(
      `${color.yellow("⚠ No worker is serving the fleet queue; the run waits until one starts (pnpm --dir apps/migrator start).")}\n`,
    );
  };
}

async function poll(client: FleetClient, fleetId: string, options: FollowOptions): Promise<FleetView> {
  const { jobTimeoutMs, noWorkerAfterMs } = loadCliConfig();
  const timeoutMs = options.timeoutMs || jobTimeoutMs;
  const started = Date.now();
  const news = newsPrinter(options.known);
  const idle = idleWatch(noWorkerAfterMs);
  for (;;) {
    const view = mustExist(await client.get(fleetId), fleetId);
    if (!options.json) news(view);
    if (view.report.status !== "running") return finish(view, options);
    idle(await client.workerCount());
    if (timeoutMs > 0 && Date.now() - started >= timeoutMs) {
      throw new TidemarkError(
        "TM_QUEUE_TIMEOUT",
        `Stopped waiting for fleet run ${fleetId} after ${Math.round(timeoutMs / 1000)} s; it goes on in the workers. Follow it with \`pnpm cli fleet jobs ${fleetId} --follow\`.`,
        { details: { fleetId, run: view } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Print a run's progress until it ends: each target once, when it finishes; each wave as it
 * starts; a warning while no worker serves the fleet queue. Ends with the summary, or throws
 * the run's error (exit 1) naming the failed targets. Ctrl-C stops following, not the run.
 */
export function followRun(client: FleetClient, fleetId: string, options: FollowOptions): Promise<FleetView> {
  const stopFollowing = () => {
    process.stderr.write(
      nameCommands(
        `\nStopped following; the run was not cancelled and goes on in the workers (or waits for one). Follow it again with \`pnpm cli fleet jobs ${fleetId} --follow\`, or stop it with \`pnpm cli fleet cancel ${fleetId}\`.\n`,
      ),
    );
    process.exit(130);
  };
  return onInterrupt(stopFollowing, () => poll(client, fleetId, options));
}

function finish(view: FleetView, options: FollowOptions): FleetView {
  if (view.report.status !== "completed") {
    if (!options.json) printTargets(view);
    throw stopped(view);
  }
  if (options.json) printJson(view);
  else success(`Fleet run ${view.id} completed: ${runSummary(view)}`);
  return view;
}
