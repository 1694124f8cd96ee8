// Whole-process upgrade of a fresh database, as a deploy step runs it: `tidemark upgrade --direct
// --yes` against `psql -1 -f all.sql` (the floor) and a drizzle-orm migrate() script, on the
// shared 200-migration corpus and on a realistic 300-migration drizzle-kit history (enums, DO
// blocks, triggers, indexes, foreign keys, hand-written SQL; @tidemark/testkit/histories).
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildRealisticHistory } from "@tidemark/testkit/histories";
import {
  bestInTurns,
  cliBin,
  drizzleScript,
  generateCorpus,
  report,
  runProcess,
  tempDb,
} from "./support.mjs";

const ROUNDS = 3;

/** One SQL script of every journal entry, in order, for psql. */
async function allSql(dir, file) {
  const journal = JSON.parse(await readFile(path.join(dir, "meta", "_journal.json"), "utf8"));
  const parts = [];
  for (const e of journal.entries) {
    parts.push(
      (await readFile(path.join(dir, `${e.tag}.sql`), "utf8")).replaceAll("--> statement-breakpoint", ""),
    );
  }
  await writeFile(file, parts.join("\n;\n"));
  return file;
}

/** Time the three contenders on fresh databases and print the figures under `label`. */
async function compare(label, dir, sqlFile) {
  const node = process.execPath;
  const times = await bestInTurns(
    ROUNDS,
    {
      psql: (db) => runProcess("psql", ["-q", "-X", "-1", "-v", "ON_ERROR_STOP=1", "-f", sqlFile, db.url]),
      drizzle: (db) => runProcess(node, [drizzleScript, dir], { DATABASE_URL: db.url }),
      tidemark: (db) =>
        runProcess(node, [cliBin, "upgrade", "--direct", "--yes"], {
          DATABASE_URL: db.url,
          TIDEMARK_MIGRATIONS_DIR: dir,
          LOG_LEVEL: "warn",
        }),
    },
    () => tempDb(),
    (db) => db.drop(),
  );
  report(`${label}: psql -1 -f`, times.psql, "ms");
  report(`${label}: drizzle-orm migrate(), whole process`, times.drizzle, "ms", times.psql, "psql -1 -f");
  report(`${label}: tidemark upgrade --direct --yes`, times.tidemark, "ms", times.psql, "psql -1 -f");
  report(
    `${label}: tidemark upgrade --direct --yes`,
    times.tidemark,
    "ms",
    times.drizzle,
    "drizzle-orm migrate()",
  );
}

export async function run() {
  const out = await mkdtemp(path.join(tmpdir(), "tm-whole-"));
  await generateCorpus(200, out);
  await compare("200-migration corpus", path.join(out, "drizzle"), path.join(out, "all.sql"));

  const real = path.join(out, "realistic");
  await buildRealisticHistory(real, { migrations: 300 });
  await compare("realistic 300-migration history", real, await allSql(real, path.join(out, "realistic.sql")));
}
