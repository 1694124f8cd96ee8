import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const script = `${root}scripts/env-table.mjs`;

describe("the README's configuration table", () => {
  it("is exactly the table generated from the environment schemas", async () => {
    const { stdout: generated } = await exec(process.execPath, [script], { cwd: root });
    const readme = await readFile(`${root}README.md`, "utf8");
    expect(generated.trim().split("\n").length).toBeGreaterThan(20);
    expect(readme).toContain(generated.trim());
    await expect(exec(process.execPath, [script, "--check"], { cwd: root })).resolves.toBeDefined();
  });

  it("documents the variables and routes a new user meets", async () => {
    const readme = await readFile(`${root}README.md`, "utf8");
    for (const name of [
      "TIDEMARK_SCHEMA_FILE",
      "TIDEMARK_JOB_TIMEOUT_MS",
      "TIDEMARK_SCRATCH_URL",
      "`GET /docs`",
      "`GET /metrics`",
    ]) {
      expect(readme).toContain(name);
    }
    expect(readme.match(/\| `LOG_LEVEL` \|/g)).toHaveLength(1);
  });
});
