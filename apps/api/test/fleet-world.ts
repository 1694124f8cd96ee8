import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createTempDatabase,
  dropDatabase,
  dropQueuePrefix,
  redisUrl,
  tempDir,
  uniqueQueuePrefix,
} from "@tidemark/testkit";
import { type ManagedProcess, spawnWorker, stopAll } from "@tidemark/testkit/processes";
import type { InjectOptions, LightMyRequestResponse as Response } from "fastify";
import { expect } from "vitest";
import { ADMIN_TOKEN, buildTestApi, eventually, readerAuth, type TestApi } from "./support.js";

type Db = { name: string; url: string };

/** Headers of the admin. */
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const PASSWORD_VAR = "TM_API_FLEET_TEST_PASSWORD";

/**
 * A fleet of three throw-away databases (t1 takes its password from a variable), an API
 * configured with them and, once started, the real built worker; every answer is recorded.
 */
export class FleetWorld {
  readonly prefix = uniqueQueuePrefix();
  // PostgreSQL here trusts local connections, so any password works: this one must never be echoed.
  readonly password = `fleet-pw-${randomBytes(12).toString("hex")}`;
  home!: Db;
  targets: Db[] = [];
  targetsFile = "";
  api!: TestApi;
  worker: ManagedProcess | null = null;
  /** Every body answered, to grep for the password. */
  readonly bodies: string[] = [];

  async setup(): Promise<void> {
    this.home = await createTempDatabase("tm_api_fleet");
    this.targets = await Promise.all(["a", "b", "c"].map((s) => createTempDatabase(`tm_api_fleet_${s}`)));
    const { dir } = await tempDir("tm-api-fleet-");
    this.targetsFile = path.join(dir, "targets.json");
    const list = this.targets.map((t, i) => ({
      name: `t${i + 1}`,
      url: t.url,
      ...(i === 0 ? { passwordEnv: PASSWORD_VAR } : {}),
    }));
    await writeFile(this.targetsFile, JSON.stringify({ targets: list }));
    // The API reads target status itself, so it needs the password too (like the worker).
    process.env[PASSWORD_VAR] = this.password;
    this.api = await buildTestApi({
      ...this.env(),
      MIGRATE_ON_BOOT: "inline",
      ADMIN_TOKEN,
      TIDEMARK_TARGETS: this.targetsFile,
    });
    await this.api.boot.start();
  }

  async teardown(): Promise<void> {
    await stopAll();
    await this.api?.close();
    delete process.env[PASSWORD_VAR];
    await Promise.all([this.home, ...this.targets].filter(Boolean).map((d) => dropDatabase(d.name)));
    await dropQueuePrefix(this.prefix);
  }

  /** The API's own database and queue. */
  env(): Record<string, string> {
    return { DATABASE_URL: this.home.url, TIDEMARK_QUEUE_PREFIX: this.prefix };
  }

  /** Start the built worker on this world's queue, with the target's password. */
  async startWorker(): Promise<void> {
    this.worker = await spawnWorker({ ...this.env(), REDIS_URL: redisUrl, [PASSWORD_VAR]: this.password });
  }

  async call(options: InjectOptions, on: TestApi = this.api): Promise<Response> {
    const res = await on.app.inject(options);
    this.bodies.push(res.body);
    return res;
  }

  read(url: string): Promise<Response> {
    return this.call({ url, headers: readerAuth });
  }

  start(payload: Record<string, unknown>, headers: Record<string, string> = admin): Promise<Response> {
    return this.call({ method: "POST", url: "/fleet/jobs", headers, payload });
  }

  /** Poll the run until its report has `status`; returns its view. */
  runUntil(fleetId: string, status: string) {
    return eventually(
      async () => {
        const view = (await this.read(`/fleet/jobs/${fleetId}`)).json();
        return view.report?.status === status ? view : null;
      },
      `fleet run ${fleetId} to be ${status}`,
      60_000,
      200,
    );
  }

  /** The dashboard as a reader sees it after signing in with the status token. */
  async readerPage(): Promise<Response> {
    const login = await this.call({
      method: "POST",
      url: "/migrations/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `token=${readerAuth.authorization.slice("Bearer ".length)}`,
    });
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
    return this.call({ url: "/migrations", headers: { cookie } });
  }
}
