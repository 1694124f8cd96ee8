import path from "node:path";
import { createCliContext } from "../context.js";
import { color, formatBytes, print, printJson, rev, success } from "../output.js";
import { runJob } from "../run-job.js";

/** The `backup` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: {
  label?: string;
  direct?: boolean;
  json?: boolean;
  timeout?: number;
}) => {
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
};
