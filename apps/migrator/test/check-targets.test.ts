import { writeFileSync } from "node:fs";
import path from "node:path";
import { memoryLogger, tempDir } from "@tidemark/testkit";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTargets } from "../src/fleet/check-targets.js";

let dir: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir("tm-check-targets-");
});
afterAll(() => dir.cleanup());

function targetsFile(name: string, text: string): string {
  const file = path.join(dir.dir, name);
  writeFileSync(file, text);
  return file;
}

const control = "postgres://postgres@127.0.0.1:5432/postgres";

describe("the worker's start-up check of the fleet's targets", () => {
  it("names the targets whose password variable this worker lacks, never a value", async () => {
    const file = targetsFile(
      "fleet.yaml",
      "- { name: a, url: 'postgres://app@db/a', passwordEnv: A_PW }\n- { name: b, url: 'postgres://app@db/b', passwordEnv: B_PW }\n",
    );
    const log = memoryLogger();
    await checkTargets({ file, controlDatabaseUrl: control }, log as unknown as Logger, {
      A_PW: "hunter2-value",
    });
    const warn = log.lines.find((l) => l.level === "warn");
    expect(warn).toMatchObject({ targets: ["b"], variables: ["B_PW"] });
    expect(JSON.stringify(log.lines)).not.toContain("hunter2-value");
  });

  it("logs an invalid targets file as an error without stopping the worker", async () => {
    const file = targetsFile("bad.json", '[{ "name": "a", "url": "postgres://app:s3cret@db/a" }]');
    const log = memoryLogger();
    await checkTargets({ file, controlDatabaseUrl: control }, log as unknown as Logger, {});
    const line = log.lines.find((l) => l.level === "error");
    expect(line).toMatchObject({ code: "TM_TARGETS_INVALID" });
    const message = String((line?.err as Error | undefined)?.message);
    expect(message).toMatch(/password/);
    expect(message).not.toContain("s3cret");
  });
});
