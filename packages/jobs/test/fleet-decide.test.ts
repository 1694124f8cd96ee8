import { describe, expect, it } from "vitest";
import {
  decideNext,
  type FleetPayload,
  parseTargetJobId,
  type TargetOutcome,
  targetJobId,
} from "../src/index.js";

const names = ["c1", "a", "b", "d", "e"];
const plan = (over: Partial<FleetPayload> = {}): FleetPayload => ({
  targets: names.map((name) => ({ name, url: `postgres://app@db/${name}` })),
  canary: ["c1"],
  waves: [
    ["a", "b"],
    ["d", "e"],
  ],
  maxFailures: 0,
  requestedBy: { via: "test", host: "h", pid: 1 },
  resumes: 0,
  input: {},
  ...over,
});

type Status = TargetOutcome["status"];
/** Outcomes from `{ name: status }`, every other target not started; `attempt` 1 once started. */
const outcomes = (given: Record<string, Status | [Status, number]>): TargetOutcome[] =>
  names.map((target) => {
    const g = given[target];
    if (!g) return { target, status: "not-started", attempt: 0 };
    const [status, attempt] = Array.isArray(g) ? g : [g, 1];
    return { target, status, attempt };
  });

describe("decideNext: what a fleet run does next", () => {
  it("starts with the canary wave", () => {
    expect(decideNext(plan(), outcomes({}), false)).toEqual({
      kind: "run",
      targets: ["c1"],
      attempt: 1,
      wave: 0,
    });
  });

  it("goes wave by wave while everything succeeds, then completes", () => {
    expect(decideNext(plan(), outcomes({ c1: "applied" }), false)).toMatchObject({
      targets: ["a", "b"],
      wave: 1,
    });
    const all = outcomes({ c1: "applied", a: "unchanged", b: "applied", d: "applied", e: "applied" });
    expect(decideNext(plan(), all, false)).toEqual({ kind: "stop", status: "completed", failed: [] });
  });

  it("halts after a failed canary even when failures are tolerated", () => {
    const step = decideNext(plan({ maxFailures: 5 }), outcomes({ c1: "failed" }), false);
    expect(step).toMatchObject({ kind: "stop", status: "halted" });
  });

  it("halts before the next wave once more than maxFailures targets failed", () => {
    const o = outcomes({ c1: "applied", a: "failed", b: "applied" });
    expect(decideNext(plan(), o, false)).toMatchObject({ kind: "stop", status: "halted" });
    expect(decideNext(plan({ maxFailures: 1 }), o, false)).toMatchObject({
      kind: "run",
      targets: ["d", "e"],
    });
  });

  it("ends incomplete when the last wave leaves tolerated failures", () => {
    const o = outcomes({ c1: "applied", a: "failed", b: "applied", d: "applied", e: "applied" });
    const step = decideNext(plan({ maxFailures: 1 }), o, false);
    expect(step).toMatchObject({ kind: "stop", status: "incomplete" });
    expect(step.kind === "stop" && step.failed.map((f) => f.target)).toEqual(["a"]);
  });

  it("stops a cancelled run before anything else", () => {
    expect(decideNext(plan(), outcomes({ c1: "applied" }), true)).toMatchObject({ status: "cancelled" });
  });

  it("on resume runs the failed and skipped targets again first, with the next attempt number", () => {
    const o = outcomes({ c1: "applied", a: "failed", b: "skipped" });
    expect(decideNext(plan({ resumes: 1 }), o, false)).toEqual({
      kind: "run",
      targets: ["a", "b"],
      attempt: 2,
      wave: "resume",
    });
    // Once they ran again (attempt 2) the run goes on with its next wave.
    const after = outcomes({ c1: "applied", a: ["applied", 2], b: ["applied", 2] });
    expect(decideNext(plan({ resumes: 1 }), after, false)).toMatchObject({ targets: ["d", "e"], attempt: 2 });
  });

  it("starts only the targets of a wave that have not started (a step that ran twice adds nothing twice)", () => {
    const o = outcomes({ c1: "applied", a: "running" });
    expect(decideNext(plan(), o, false)).toMatchObject({ kind: "run", targets: ["b"] });
  });
});

describe("target job ids", () => {
  it("round-trip the run, attempt and target, also from a Redis key", () => {
    const id = targetJobId("0b8c2a52-4f7e-4c38-9a43-1d2b5c6e7f80", 3, "tenant.eu-1");
    expect(parseTargetJobId(id)).toEqual({
      fleetId: "0b8c2a52-4f7e-4c38-9a43-1d2b5c6e7f80",
      attempt: 3,
      target: "tenant.eu-1",
    });
    expect(parseTargetJobId(`{tm}:migrations-fleet:${id}`)?.target).toBe("tenant.eu-1");
    expect(parseTargetJobId("some-other-job")).toBeNull();
  });
});
