// `adopt` on a generated 300-migration drizzle-kit history (target < 2 min on 2 cores, issue 13),
// against applying the same 300 ups with `upgrade` in the same run: the proof walks the history
// once, so its cost is the downs, two catalog reads per migration, and drizzle-kit's diffs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { adopt, upgrade } from "@tidemark/migrate";
import { buildRealisticHistory } from "@tidemark/testkit/histories";
import { adminUrl, report, tempDb, time } from "./support.mjs";

const MIGRATIONS = 300;
const TARGET_MS = 120_000;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const context = (databaseUrl, migrationsDir) => ({
  databaseUrl,
  migrationsDir,
  environment: "bench",
  actor: { via: "cli", host: "bench", pid: process.pid },
  logger: silent,
});

export async function run() {
  const dir = await mkdtemp(path.join(tmpdir(), "tm-bench-adopt-"));
  try {
    await buildRealisticHistory(dir, { migrations: MIGRATIONS, seed: 7 });
    const db = await tempDb();
    let upgradeMs;
    try {
      upgradeMs = await time(() => upgrade(context(db.url, dir)));
    } finally {
      await db.drop();
    }
    let result;
    const adoptMs = await time(async () => {
      result = await adopt(context(adminUrl, dir));
    });
    const proven = result.downs.filter((d) => d.proven).length;
    report(`upgrade of ${MIGRATIONS} generated migrations`, upgradeMs, "ms");
    report(
      `adopt of ${MIGRATIONS} migrations (${proven} downs proven, ${result.downs.length - proven} marked)`,
      adoptMs,
      "ms",
      upgradeMs,
      "upgrade",
    );
    console.log(`adopt target: < ${TARGET_MS / 1000} s — ${adoptMs < TARGET_MS ? "met" : "MISSED"}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
