import { createFleetClient, type FleetView, fleetNotFound } from "@tidemark/jobs/fleet";
import { loadCliConfig } from "../config.js";
import { followRun } from "../fleet-follow.js";
import { printTargets, runState, runSummary } from "../fleet-output.js";
import { print, printJson, table } from "../output.js";

function printRun(view: FleetView): void {
  print(`Fleet run ${view.id} (${view.name}): ${runState(view)}`);
  print(`  ${runSummary(view)}`);
  if (view.error) print(`  ${view.error.message.split("\n")[0]}`);
  printTargets(view);
}

/** `fleet jobs [id] [--follow]`: recent runs, or one run target by target. */
export const jobsAction = async (
  fleetId: string | undefined,
  opts: { json?: boolean; follow?: boolean; limit: number },
) => {
  const client = createFleetClient(loadCliConfig().queue);
  try {
    if (fleetId && opts.follow) {
      await followRun(client, fleetId, { json: opts.json });
      return;
    }
    if (fleetId) {
      const view = await client.get(fleetId);
      if (!view) throw fleetNotFound(fleetId);
      if (opts.json) printJson(view);
      else printRun(view);
      return;
    }
    const runs = await client.list(opts.limit);
    if (opts.json) {
      printJson(runs);
      return;
    }
    table(
      ["CREATED", "ID", "RUN", "STATE", "PROGRESS"],
      runs.map((r) => [r.createdAt, r.id, r.name, runState(r), runSummary(r)]),
      "",
    );
  } finally {
    await client.close();
  }
};

/** `fleet cancel <id>` and `fleet resume <id>`. */
export const controlAction = async (
  what: "cancel" | "resume",
  fleetId: string,
  opts: { json?: boolean; detach?: boolean },
) => {
  const client = createFleetClient(loadCliConfig().queue);
  try {
    if (what === "cancel") {
      const view = await client.cancel(fleetId);
      if (opts.json) printJson(view);
      else
        print(
          `Cancel requested for fleet run ${fleetId}: targets already running finish, the ${view.report.counts["not-started"] + view.report.counts.waiting} not started are skipped. \`pnpm cli fleet resume ${fleetId}\` runs them later.`,
        );
      return;
    }
    const view = await client.resume(fleetId);
    if (opts.detach) {
      if (opts.json) printJson(view);
      else print(`Resumed fleet run ${fleetId}. Follow it with \`pnpm cli fleet jobs ${fleetId} --follow\`.`);
      return;
    }
    if (!opts.json)
      print(
        `Resumed fleet run ${fleetId}: its failed and skipped targets run again, then its remaining waves.`,
      );
    await followRun(client, fleetId, { json: opts.json, known: view });
  } finally {
    await client.close();
  }
};
