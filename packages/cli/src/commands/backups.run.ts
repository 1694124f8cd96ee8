import { type BackupInfo, backupDirOf, listBackups } from "@tidemark/migrate";
import { createCliContext } from "../context.js";
import { color, formatBytes, plural, print, printJson, rev, table } from "../output.js";

/** Why a backup exists, in words. */
function kind(info: BackupInfo): string {
  if (info.reason === "restore-point") return color.cyan("restore point");
  if (info.reason === "safety") return color.cyan("safety");
  return info.reason ?? "manual";
}

/** The `backups` command itself, loaded only when it runs so registering commands stays cheap. */
export const action = async (opts: { json?: boolean }) => {
  const dir = backupDirOf(createCliContext().engine);
  const list = await listBackups(dir);
  if (opts.json) {
    printJson(list);
    return;
  }
  if (list.length === 0) {
    print(`No backups in ${dir}. Take one with: pnpm cli backup`);
    return;
  }
  print(color.dim(`${plural(list.length, "backup")} in ${dir}, newest first:`));
  table(
    ["CREATED", "DATABASE", "REVISION", "SIZE", "KIND", "NAME", "LABEL"],
    // The source database matters: restoring another database's dump needs --from-other-database.
    list.map((b) => [
      b.createdAt,
      b.database,
      rev(b.revision),
      formatBytes(b.size),
      kind(b),
      b.name,
      b.label ?? "",
    ]),
    "",
  );
};
