import { dropDatabase } from "@tidemark/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrubSecrets } from "../src/fleet-handle.js";
import { admin, FleetWorld } from "./fleet-world.js";
import { ADMIN_TOKEN, buildTestApi, readerAuth } from "./support.js";

const LATEST = "0004_set_default_avatar_url";
const w = new FleetWorld();

beforeAll(() => w.setup());
afterAll(() => w.teardown());

describe("fleet routes: access", () => {
  it("answers 401 to anonymous callers and lets the status token read but not act", async () => {
    for (const url of ["/fleet/status", "/fleet/jobs"]) {
      const res = await w.call({ url });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe("TM_UNAUTHORIZED");
    }
    const anonymous = await w.call({ method: "POST", url: "/fleet/jobs", payload: { action: "upgrade" } });
    expect(anonymous.statusCode).toBe(401);
    const reader = await w.start({ action: "upgrade" }, readerAuth);
    expect(reader.statusCode).toBe(401);
    expect(reader.json().error.code).toBe("TM_UNAUTHORIZED");
    const listed = await w.read("/fleet/jobs");
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual([]);
  });

  it("documents the fleet routes in the OpenAPI document, behind the bearer scheme", async () => {
    const doc = (await w.api.app.inject({ url: "/docs/json" })).json();
    for (const p of ["/fleet/status", "/fleet/jobs", "/fleet/jobs/{id}", "/fleet/jobs/{id}/resume"]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths["/fleet/jobs"].post.security).toEqual([{ bearer: [] }]);
    expect(
      doc.paths["/fleet/jobs"].post.requestBody.content["application/json"].schema.additionalProperties,
    ).toBe(false);
  });

  it("reads every target's status with a bounded concurrency", async () => {
    const res = await w.read("/fleet/status?concurrency=2");
    expect(res.statusCode).toBe(200);
    const { items, counts } = res.json();
    expect(items.map((r: { target: string }) => r.target)).toEqual(["t1", "t2", "t3"]);
    expect(items.every((r: { reachable: boolean; pending: number }) => r.reachable && r.pending === 5)).toBe(
      true,
    );
    expect(counts).toEqual({ targets: 3, upToDate: 0, behind: 3, unreadable: 0 });
    for (const bad of ["0", "33", "x"]) {
      const refused = await w.read(`/fleet/status?concurrency=${bad}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe("TM_VALIDATION");
    }
  });
});

describe("fleet routes: validation", () => {
  it.each([
    ["an unknown key", { action: "upgrade", force: true }, 400, "TM_VALIDATION"],
    ["an unknown action", { action: "drop" }, 400, "TM_VALIDATION"],
    ["a rollback without `to`", { action: "rollback" }, 400, "TM_VALIDATION"],
    ["an option of another action", { action: "upgrade", label: "x" }, 400, "TM_VALIDATION"],
    ["an unknown canary", { action: "upgrade", canary: ["t9"] }, 404, "TM_TARGET_UNKNOWN"],
    [
      "canary and canaryCount together",
      { action: "upgrade", canary: ["t1"], canaryCount: 1 },
      400,
      "TM_USAGE",
    ],
  ])("refuses %s and starts nothing", async (_what, payload, status, code) => {
    const res = await w.start(payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect((await w.read("/fleet/jobs")).json().items).toEqual([]);
  });

  it("says a rollback needs `to`", async () => {
    const res = await w.start({ action: "rollback", noBackup: true });
    expect(res.json().error.message).toContain("needs `to`");
  });

  it("answers 404 for runs it does not know, without asking Redis about odd ids", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "events"]) {
      const res = await w.read(`/fleet/jobs/${id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe("TM_FLEET_NOT_FOUND");
    }
  });
});

describe("fleet runs through the real worker", () => {
  it("refuses a second run while one waits, cancels and resumes the first", async () => {
    // No worker yet: the run waits, so the second start deterministically meets it.
    const first = await w.start({ action: "upgrade", to: "0002" });
    expect(first.statusCode).toBe(202);
    const { fleetId, links } = first.json();
    expect(links).toEqual({
      self: `/fleet/jobs/${fleetId}`,
      cancel: `/fleet/jobs/${fleetId}/cancel`,
      resume: `/fleet/jobs/${fleetId}/resume`,
    });
    const busy = await w.start({ action: "backup" });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toMatchObject({ code: "TM_FLEET_BUSY", details: { fleetId } });

    const resumeEarly = await w.call({ method: "POST", url: links.resume, headers: admin });
    expect(resumeEarly.statusCode).toBe(409);
    expect(resumeEarly.json().error.code).toBe("TM_FLEET_NOT_RESUMABLE");
    expect((await w.call({ method: "POST", url: links.cancel, headers: readerAuth })).statusCode).toBe(401);
    const cancelled = await w.call({ method: "POST", url: links.cancel, headers: admin });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ id: fleetId, report: { status: "running" } });

    await w.startWorker();
    const stopped = await w.runUntil(fleetId, "cancelled");
    expect(stopped.error.code).toBe("TM_FLEET_CANCELLED");
    expect(stopped.report.counts.applied).toBe(0);

    const resumed = await w.call({ method: "POST", url: links.resume, headers: admin });
    expect(resumed.statusCode).toBe(200);
    const done = await w.runUntil(fleetId, "completed");
    expect(done.report.targets.map((t: { status: string; to: string }) => [t.status, t.to])).toEqual([
      ["applied", "0002_increase_username_length"],
      ["applied", "0002_increase_username_length"],
      ["applied", "0002_increase_username_length"],
    ]);
  });

  it("runs an upgrade canary first, wave by wave, until every target is applied", async () => {
    const res = await w.start({ action: "upgrade", canary: ["t2"], waveSize: 1, maxFailures: 0 });
    expect(res.statusCode).toBe(202);
    const { fleetId } = res.json();
    const done = await w.runUntil(fleetId, "completed");
    expect(done).toMatchObject({ id: fleetId, name: "fleet-upgrade", state: "completed", error: null });
    expect(done.report).toMatchObject({ wavesStarted: 3, waveCount: 3 });
    expect(done.report.counts).toMatchObject({ applied: 3, failed: 0, skipped: 0 });
    expect(done.report.targets.every((t: { to: string }) => t.to === LATEST)).toBe(true);

    const status = (await w.read("/fleet/status")).json();
    expect(status.counts).toEqual({ targets: 3, upToDate: 3, behind: 0, unreadable: 0 });
    const list = (await w.read("/fleet/jobs?limit=5")).json().items;
    expect(list.map((v: { id: string }) => v.id)[0]).toBe(fleetId);
    expect(list).toHaveLength(2);
    const again = await w.call({ method: "POST", url: `/fleet/jobs/${fleetId}/cancel`, headers: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("TM_FLEET_NOT_RESUMABLE");
  });

  it("shows the newest run on the dashboard: counts to anyone, targets only when signed in", async () => {
    const anonymous = await w.call({ url: "/migrations" });
    expect(anonymous.body).toContain('id="fleet"');
    expect(anonymous.body).toContain("3 applied");
    expect(anonymous.body).not.toContain("fleet-targets");
    expect(anonymous.body).not.toContain("data-target=");
    for (const t of w.targets) expect(anonymous.body).not.toContain(t.name);

    const page = await w.readerPage();
    expect(page.body).toMatch(/data-fleet-status="completed"/);
    expect(page.body).toContain("wave 3/3");
    for (const t of w.targets) expect(page.body).toContain(t.name);
    expect(page.body.match(/<tr data-target="/g)).toHaveLength(3);
  });
});

describe("a failing target", () => {
  it("is named with its error to readers, counted for anonymous viewers", async () => {
    // The worker never creates a missing database: this target fails, the others are unchanged.
    await dropDatabase((w.targets[2] as { name: string }).name);
    const { fleetId } = (await w.start({ action: "upgrade" })).json();
    const view = await w.runUntil(fleetId, "incomplete");
    expect(view.error.code).toBe("TM_FLEET_INCOMPLETE");
    expect(view.report.counts).toMatchObject({ unchanged: 2, failed: 1 });
    const failed = view.report.targets.find((t: { target: string }) => t.target === "t3");
    expect(failed).toMatchObject({ status: "failed", error: { code: expect.stringMatching(/^TM_/) } });

    const status = (await w.read("/fleet/status")).json();
    expect(status.counts).toMatchObject({ upToDate: 2, unreadable: 1 });
    expect(status.items[2].error.code).toBe("TM_DB_UNREACHABLE");

    const page = (await w.readerPage()).body;
    expect(page).toContain('data-fleet-status="incomplete"');
    const list = page.slice(page.indexOf('id="fleet-failed"'));
    expect(list).toContain("<code>t3</code>");
    expect(list).toContain(failed.error.code);
    const anonymous = (await w.call({ url: "/migrations" })).body;
    expect(anonymous).toContain("1 failed");
    expect(anonymous).not.toContain("fleet-failed");
    expect(anonymous).not.toContain(failed.error.code);
  });
});

describe("without a fleet or an admin token", () => {
  it("answers every /fleet route with 404 TM_FLEET_NOT_CONFIGURED, and the dashboard has no fleet", async () => {
    const bare = await buildTestApi({ ...w.env(), ADMIN_TOKEN });
    try {
      for (const [method, url] of [
        ["GET", "/fleet/status"],
        ["GET", "/fleet/jobs/x"],
        ["POST", "/fleet/jobs"],
      ] as const) {
        const res = await w.call({ method, url, headers: admin, payload: {} }, bare);
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe("TM_FLEET_NOT_CONFIGURED");
        expect(res.json().error.message).toContain("TIDEMARK_TARGETS");
      }
      expect((await w.call({ url: "/migrations" }, bare)).body).not.toContain('id="fleet"');
    } finally {
      await bare.close();
    }
  });

  it("disables starting runs when ADMIN_TOKEN is unset", async () => {
    const readOnly = await buildTestApi({ ...w.env(), TIDEMARK_TARGETS: w.targetsFile });
    try {
      const payload = { action: "upgrade" };
      const res = await w.call({ method: "POST", url: "/fleet/jobs", headers: admin, payload }, readOnly);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe("TM_JOBS_DISABLED");
    } finally {
      await readOnly.close();
    }
  });
});

describe("secrets", () => {
  it("never answers or logs a target's password", () => {
    expect(w.bodies.length).toBeGreaterThan(20);
    for (const body of w.bodies) expect(body).not.toContain(w.password);
    expect(w.api.rawLogs()).not.toContain(w.password);
    expect(w.worker?.output()).not.toContain(w.password);
  });

  it("scrubs a known password from any answer, as typed and URL-encoded", () => {
    const secret = "p@ss word/1";
    const scrubbed = scrubSecrets(
      { a: [`x ${secret} y`, 3], b: { c: `postgres://u:${encodeURIComponent(secret)}@h/db` } },
      [secret, encodeURIComponent(secret)],
    );
    expect(scrubbed).toEqual({ a: ["x *** y", 3], b: { c: "postgres://u:***@h/db" } });
  });
});
