import { fleetActions, fleetReportSchema } from "@tidemark/jobs/contract";
import { targetStatusSchema } from "@tidemark/migrate";
import { type Static, Type } from "../type.js";
import { fromEngine } from "./migration-schemas.js";

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** One row of `GET /fleet/status`, as the engine defines it. */
export const TargetStatusSchema = fromEngine(targetStatusSchema);

/** `GET /fleet/status`: every target's row, and how many are up to date, behind or unreadable. */
export const FleetStatusSchema = Type.Object({
  items: Type.Array(TargetStatusSchema),
  counts: Type.Object({
    targets: Type.Integer(),
    upToDate: Type.Integer(),
    behind: Type.Integer(),
    unreadable: Type.Integer(),
  }),
});

/** `?concurrency=`: targets read at once (each costs a connection to its server). */
export const FleetStatusQuery = Type.Object(
  { concurrency: Type.Integer({ minimum: 1, maximum: 32, default: 8 }) },
  { additionalProperties: false },
);

/** `?limit=`: runs listed; each is read with its children, so few. */
export const FleetJobsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) },
  { additionalProperties: false },
);

/** A fleet run as `GET /fleet/jobs/:id` shows it (`FleetView` of @tidemark/jobs). */
export const FleetViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.String({ description: "the parent job's BullMQ state (`waiting-children` while a wave runs)" }),
  report: fromEngine(fleetReportSchema),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  maxFailures: Type.Integer(),
  resumes: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  finishedAt: NullableString,
  elapsedMs: Type.Number(),
  targetsPerSecond: Type.Number(),
});

/** A fleet run's id: the UUID the client generated. Anything else is no run of ours. */
export const FLEET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const FleetIdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

/** Where to follow and steer a run. */
export const FleetLinksSchema = Type.Object({
  self: Type.String(),
  cancel: Type.String(),
  resume: Type.String(),
});

/** The links of run `fleetId`. */
export function fleetLinks(fleetId: string) {
  const self = `/fleet/jobs/${fleetId}`;
  return { self, cancel: `${self}/cancel`, resume: `${self}/resume` };
}

const revision = Type.String({
  pattern: "^[\\w.-]+$",
  maxLength: 200,
  description: "`prev`, `base` or a revision id or prefix",
});

/** `POST /fleet/jobs`: the CLI's `fleet upgrade|rollback|backup` options, as JSON. Unknown keys are errors. */
export const StartFleetBody = Type.Object(
  {
    action: Type.Union(fleetActions.map((a) => Type.Literal(a))),
    to: Type.Optional(revision),
    label: Type.Optional(Type.String({ pattern: "^[\\w.-]{1,64}$", description: "backup only" })),
    noBackup: Type.Optional(Type.Boolean({ description: "rollback only: skip each target's restore point" })),
    acceptUnverified: Type.Optional(Type.Boolean({ description: "rollback only: run unverified downs" })),
    canary: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 1000,
        description: "targets run first, in this order; any canary failing halts the run",
      }),
    ),
    canaryCount: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: "take the first n targets as canaries" }),
    ),
    waveSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: "targets per wave after the canaries" }),
    ),
    maxFailures: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        description: "failed targets tolerated before the run halts ahead of its next wave (default 0)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The validated body of `POST /fleet/jobs`. */
export type StartFleet = Static<typeof StartFleetBody>;
