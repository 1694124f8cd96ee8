import { writeFile } from "node:fs/promises";
import path from "node:path";
import { databaseUrl, redisUrl, tempDir, uniqueQueuePrefix } from "@tidemark/testkit";
import { runCli } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";

const SECRET = "hunter2-e2e-not-for-logs";

/** The CLI with a queue prefix nobody uses: these runs must stop before enqueuing anything. */
function cli(args: string[], extra: Record<string, string> = {}) {
  return runCli(args, {
    DATABASE_URL: databaseUrl("postgres"),
    REDIS_URL: redisUrl,
    TIDEMARK_QUEUE_PREFIX: uniqueQueuePrefix(),
    ...extra,
  });
}

describe("fleet commands refuse a missing or unsafe fleet configuration", () => {
  it("exits 2 naming TIDEMARK_TARGETS when no fleet is configured", async () => {
    const runs = await Promise.all([cli(["fleet", "upgrade"]), cli(["fleet", "status"])]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("TIDEMARK_TARGETS");
      expect(r.stderr).toContain("[TM_USAGE]");
    }
  });

  it("exits 2 on a targets file whose URL carries a password, without ever printing it", async () => {
    const { dir } = await tempDir("tm-fleet-config-");
    const files = {
      "userinfo.yaml": `- name: a\n  url: postgres://postgres:${SECRET}@127.0.0.1:5432/a\n`,
      "param.json": JSON.stringify([{ name: "b", url: `postgres://127.0.0.1:5432/b?password=${SECRET}` }]),
      // Not even valid JSON: the parser's message quotes the text around the fault.
      "broken.json": `[{"name": "c", "url": "postgres://u:${SECRET}@127.0.0.1/c",}]`,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);

    const runs = await Promise.all(
      Object.keys(files).map((name) => cli(["fleet", "upgrade"], { TIDEMARK_TARGETS: path.join(dir, name) })),
    );
    for (const [i, r] of runs.entries()) {
      expect(r.code, Object.keys(files)[i]).toBe(2);
      expect(r.stderr).toContain("[TM_TARGETS_INVALID]");
      expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    }
    expect(runs[0]?.stderr).toContain(
      'target "a": url postgres://postgres:***@127.0.0.1:5432/a carries a password',
    );
    // --json puts the error on stdout: the same care applies there.
    const json = await cli(["fleet", "status", "--json"], { TIDEMARK_TARGETS: path.join(dir, "param.json") });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ code: "TM_TARGETS_INVALID" });
    expect(json.stdout).not.toContain(SECRET);
  });
});
