import path from "node:path";
import type { Command } from "commander";
import { createCliContext } from "../context.js";
import { withDirect, withExamples, withJson } from "../help.js";
import { color, formatBytes, print, printJson, rev, success } from "../output.js";
import { runJob } from "../run-job.js";

/** `backup [--label]`: pg_dump the database into BACKUP_DIR. */
export function registerBackup(program: Command): void {
  const cmd = program
    .command("backup")
    .summary("pg_dump the database into BACKUP_DIR")
    .description("Write a pg_dump -Fc backup (with a .json sidecar) into BACKUP_DIR")
    .option("-l, --label <label>", "a note shown by `backups` (letters, digits, '.', '_', '-'; at most 64)");
  withJson(withDirect(cmd));
  withExamples(cmd, ["backup", "backup --label before-import --direct", "backup --json | jq -r .file"]);
  cmd.action(async (opts: { label?: string; direct?: boolean; json?: boolean; timeout?: number }) => {
    const cli = createCliContext();
    const info = await runJob(
      cli,
      { name: "backup", payload: { label: opts.label } },
      { direct: Boolean(opts.direct), json: opts.json, timeoutMs: opts.timeout },
    );
    if (opts.json) {
      printJson(info);
      return;
    }
    success(`Backup written: ${info.file}`);
    print(
      color.dim(
        `  revision ${rev(info.revision)}, ${formatBytes(info.size)}, sha256 ${info.sha256.slice(0, 12)}…${info.label ? `, label ${info.label}` : ""}`,
      ),
    );
    print(`To restore it: ${color.bold(`pnpm cli restore ${path.basename(info.file)}`)}`);
  });
}
