import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The root `pnpm start` supervisor (scripts/start.mjs), driven with stand-in apps.
const startMjs = fileURLToPath(new URL("../../../scripts/start.mjs", import.meta.url));
let tmp: { dir: string; cleanup: () => Promise<void> };

/**
 * A stand-in app: logs a pino-style line, reports each signal and exits 0 on SIGTERM. Once
 * its handler is installed it touches `<name>.up`; with `dieAfter` it exits 3 as soon as
 * that app is up (so the survivor is sure to be listening when the supervisor stops it).
 */
function fakeApp(name: string, dieAfter?: string): string {
  return `
    import { existsSync, writeFileSync } from "node:fs";
    process.on("SIGTERM", () => { console.log("${name} got SIGTERM"); setTimeout(() => process.exit(0), 50); });
    console.log(JSON.stringify({ level: 30, time: Date.now(), msg: "${name} ready" }));
    writeFileSync(process.env.FAKE_DIR + "/${name}.up", "");
    ${dieAfter ? `setInterval(() => { if (existsSync(process.env.FAKE_DIR + "/${dieAfter}.up")) process.exit(3); }, 20);` : "setInterval(() => {}, 1000);"}
  `;
}

let run = 0;

/** Start the supervisor on `apps`; each run gets its own folder for the `.up` markers. */
async function supervise(...apps: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  run += 1;
  const marks = path.join(tmp.dir, `run-${run}`);
  await mkdir(marks);
  const child = spawn(process.execPath, [startMjs, ...apps], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FAKE_DIR: marks },
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  return { child, output: () => out };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  tmp = await tempDir("tm-start-");
  await writeFile(path.join(tmp.dir, "a.mjs"), fakeApp("alpha"));
  await writeFile(path.join(tmp.dir, "b.mjs"), fakeApp("beta"));
  await writeFile(path.join(tmp.dir, "dies.mjs"), fakeApp("gamma", "alpha"));
});

afterAll(async () => {
  await tmp.cleanup();
});

describe("pnpm start's supervisor", () => {
  it("prefixes every line with its app's name and forwards SIGTERM once to each app, exiting 0", async () => {
    const s = await supervise(`alpha=${tmp.dir}/a.mjs`, `beta=${tmp.dir}/b.mjs`);
    await until(() => s.output().includes("alpha ready") && s.output().includes("beta ready"));
    s.child.kill("SIGTERM");
    const [code] = await once(s.child, "exit");
    expect(code).toBe(0);
    const lines = s.output().split("\n");
    expect(lines.filter((l) => l.startsWith("alpha | ") && l.includes("got SIGTERM"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("beta  | ") && l.includes("got SIGTERM"))).toHaveLength(1);
  });

  it("stops the other apps and exits non-zero when one app dies", async () => {
    const s = await supervise(`alpha=${tmp.dir}/a.mjs`, `gamma=${tmp.dir}/dies.mjs`);
    const [code] = await once(s.child, "exit");
    expect(code).toBe(3);
    expect(s.output()).toContain("gamma exited (code 3); stopping the others");
    expect(s.output()).toMatch(/alpha +\| alpha got SIGTERM/);
  });

  it("refuses to start an app that was not built, saying how to build it", async () => {
    const s = await supervise(`alpha=${tmp.dir}/missing.mjs`);
    const [code] = await once(s.child, "exit");
    expect(code).toBe(1);
    expect(s.output()).toContain("pnpm build");
  });
});
