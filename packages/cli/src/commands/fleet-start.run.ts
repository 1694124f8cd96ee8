import {
  createFleetClient,
  currentRequester,
  type FleetAction,
  type FleetPayload,
  fleetInput,
} from "@tidemark/jobs/fleet";
import type { FleetTarget } from "@tidemark/migrate/modules/fleet/validate";
import { planWaves } from "@tidemark/migrate/modules/fleet/waves";
import type { Command } from "commander";
import { loadCliConfig } from "../config.js";
import { confirmOrRefuse } from "../confirm.js";
import { createCliContext } from "../context.js";
import { followRun } from "../fleet-follow.js";
import { loadFleetTargets } from "../fleet-targets.js";
import { color, heading, print, printJson, rev } from "../output.js";

/** Options of `fleet upgrade | rollback | backup`. */
interface StartFlags {
  to?: string;
  label?: string;
  backup?: boolean;
  acceptUnverified?: boolean;
  yes?: boolean;
  canary?: string[];
  canaryCount?: number;
  waveSize?: number;
  maxFailures: number;
  dryRun?: boolean;
  detach?: boolean;
  timeout?: number;
  json?: boolean;
}

/** `--dry-run`: the waves, and where each target stands now. Nothing is enqueued. */
async function printDryRun(
  targets: FleetTarget[],
  plan: { canary: string[]; waves: string[][] },
  json?: boolean,
) {
  // The engine is loaded only for a dry run, which reads every target.
  const { fleetStatus } = await import("@tidemark/migrate/modules/fleet/status");
  const cli = createCliContext();
  const rows = await fleetStatus(targets, cli.config.engine, cli.logger);
  const byName = new Map(rows.map((r) => [r.target, r]));
  const waves = plan.canary.length ? [plan.canary, ...plan.waves] : plan.waves;
  if (json) {
    printJson({ canary: plan.canary, waves: plan.waves, targets: rows });
    return;
  }
  for (const [i, wave] of waves.entries()) {
    heading(`${plan.canary.length && i === 0 ? "Canary wave" : `Wave ${i + 1}`} (${wave.length} targets)`);
    for (const name of wave) {
      const r = byName.get(name);
      const where = r?.error
        ? color.red(r.error.message)
        : `at ${rev(r?.current)}, ${r?.pending ?? 0} pending`;
      print(`  ${name}  ${where}`);
    }
  }
  print(color.dim("\nDry run: nothing was enqueued."));
}

/** Start a fleet run of `action` over every target, then follow it (unless --detach). */
export const action = async (fleetAction: FleetAction, opts: StartFlags, _cmd?: Command) => {
  const targets = await loadFleetTargets();
  const plan = planWaves(targets, {
    canary: opts.canary,
    canaryCount: opts.canaryCount,
    waveSize: opts.waveSize,
  });
  if (opts.dryRun) return printDryRun(targets, plan, opts.json);
  // Commander gives each subcommand only its own options; --no-backup arrives as backup: false.
  const input = fleetInput(fleetAction, {
    to: opts.to,
    label: opts.label,
    noBackup: opts.backup === false ? true : undefined,
    acceptUnverified: opts.acceptUnverified,
  });
  if (fleetAction === "rollback") {
    await confirmOrRefuse({
      question: `Roll back ${targets.length} databases to ${(input as { to: string }).to}?`,
      yes: Boolean(opts.yes),
    });
  }
  const payload: FleetPayload = {
    targets,
    canary: plan.canary,
    waves: plan.waves,
    maxFailures: opts.maxFailures,
    requestedBy: currentRequester("cli"),
    resumes: 0,
    input,
  } as FleetPayload;
  const client = createFleetClient(loadCliConfig().queue);
  try {
    const { fleetId } = await client.start(`fleet-${fleetAction}`, payload);
    if (opts.detach) {
      if (opts.json) printJson({ fleetId });
      else
        print(
          `Started fleet run ${fleetId} over ${targets.length} targets. Follow it with \`pnpm cli fleet jobs ${fleetId} --follow\`.`,
        );
      return;
    }
    if (!opts.json) print(`Fleet run ${fleetId}: ${fleetAction} of ${targets.length} targets.`);
    await followRun(client, fleetId, { json: opts.json, timeoutMs: opts.timeout });
  } finally {
    await client.close();
  }
};
