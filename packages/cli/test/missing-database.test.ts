import {
  adminQuery,
  databaseUrl,
  dropDatabase,
  dropQueuePrefix,
  tempDir,
  uniqueId,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const queuePrefix = uniqueQueuePrefix();
const name = uniqueId("tm_cli_absent");
let backups: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;

beforeAll(async () => {
  backups = await tempDir("tm-cli-backups-");
  env = { DATABASE_URL: databaseUrl(name), BACKUP_DIR: backups.dir, TIDEMARK_QUEUE_PREFIX: queuePrefix };
});

afterAll(async () => {
  await dropQueuePrefix(queuePrefix);
  await dropDatabase(name);
  await backups.cleanup();
});

const exists = async () =>
  (await adminQuery(`select 1 from pg_database where datname = '${name}'`)).length === 1;

describe("a DATABASE_URL naming a database that does not exist", () => {
  it("is reported absent by status, which leaves it absent", async () => {
    const r = await runCli(["status", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ databaseExists: false });
    expect(await exists()).toBe(false);
  });

  it("gets created by upgrade --dry-run, which shows the whole plan and applies nothing", async () => {
    const r = await runCli(["upgrade", "--dry-run"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Plan: (base) → 0004_set_default_avatar_url (5 migrations)");
    expect(r.stdout).toContain("Dry run: nothing was applied.");
    expect(await exists()).toBe(true);
  });

  it("is then upgraded by upgrade --direct", async () => {
    await dropDatabase(name);
    const r = await runCli(["upgrade", "--direct", "--yes"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Upgraded (base) → 0004_set_default_avatar_url: 5 migrations");
  });
});
