// CLI start-up, whole process: `tidemark --version` and `--help` against a bare `node -e 0`, and
// `tidemark status` and `tidemark upgrade --direct --yes` on an up-to-date database against
// drizzle-orm's migrate() with nothing to do.
import { migrationsDir } from "@tidemark/db";
import { bestInTurns, cliBin, drizzleScript, report, runProcess as sh, tempDb } from "./support.mjs";

const ROUNDS = 10;

export async function run() {
  const node = process.execPath;
  const start = await bestInTurns(ROUNDS, {
    bare: () => sh(node, ["-e", "0"]),
    version: () => sh(node, [cliBin, "--version"]),
    help: () => sh(node, [cliBin, "--help"]),
  });
  report("node -e 0", start.bare, "ms");
  report("tidemark --version", start.version, "ms", start.bare, "node -e 0");
  report("tidemark --help", start.help, "ms", start.bare, "node -e 0");

  const db = await tempDb();
  try {
    const env = { DATABASE_URL: db.url, TIDEMARK_MIGRATIONS_DIR: migrationsDir, LOG_LEVEL: "warn" };
    await sh(node, [cliBin, "upgrade", "--direct", "--yes"], env);
    const noop = await bestInTurns(ROUNDS, {
      drizzle: () => sh(node, [drizzleScript, migrationsDir], env),
      status: () => sh(node, [cliBin, "status"], env),
      statusJson: () => sh(node, [cliBin, "status", "--json"], env),
      upgrade: () => sh(node, [cliBin, "upgrade", "--direct", "--yes"], env),
    });
    report("drizzle-orm migrate() with nothing to do, whole process", noop.drizzle, "ms");
    report("tidemark status, up to date", noop.status, "ms", noop.drizzle, "drizzle-orm migrate() no-op");
    report(
      "tidemark status --json, up to date",
      noop.statusJson,
      "ms",
      noop.drizzle,
      "drizzle-orm migrate() no-op",
    );
    report(
      "tidemark upgrade --direct --yes, up to date",
      noop.upgrade,
      "ms",
      noop.drizzle,
      "drizzle-orm migrate() no-op",
    );
  } finally {
    await db.drop();
  }
}
