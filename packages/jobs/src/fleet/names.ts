/**
 * Fleet runs (docs/fleet.md): the parent job of a run lives in the `migrations` queue beside
 * single-database jobs; its children, one per target database, live in their own queue so a
 * worker can run several of them at once while single jobs stay one at a time.
 */
export const FLEET_QUEUE_NAME = "migrations-fleet";

/** What a fleet run does to each target. */
export const fleetActions = ["upgrade", "rollback", "backup"] as const;

/** One of {@link fleetActions}. */
export type FleetAction = (typeof fleetActions)[number];

/** Parent job names, in the `migrations` queue. */
export const fleetJobNames = ["fleet-upgrade", "fleet-rollback", "fleet-backup"] as const;

/** One of {@link fleetJobNames}. */
export type FleetJobName = (typeof fleetJobNames)[number];

/** True when `name` is a fleet parent job. */
export function isFleetJobName(name: string): name is FleetJobName {
  return (fleetJobNames as readonly string[]).includes(name);
}

/** The action of a fleet parent job. */
export function fleetAction(name: FleetJobName): FleetAction {
  return name.slice("fleet-".length) as FleetAction;
}

/** The child job name of an action, in the fleet queue: `target-upgrade`, … */
export function targetJobName(action: FleetAction): string {
  return `target-${action}`;
}

/**
 * A child's job id: `<fleet id>.<attempt>.<target>`. Deterministic, so a parent step that
 * runs twice (its worker died) adds nothing twice; the attempt grows on each resume.
 */
export function targetJobId(fleetId: string, attempt: number, target: string): string {
  return `${fleetId}.${attempt}.${target}`;
}

/** The parts of a child's job id (or of its `prefix:queue:id` key), or null for another job. */
export function parseTargetJobId(
  idOrKey: string,
): { fleetId: string; attempt: number; target: string } | null {
  const id = idOrKey.slice(idOrKey.lastIndexOf(":") + 1);
  const m = /^([0-9a-f-]{36})\.(\d+)\.(.+)$/.exec(id);
  return m ? { fleetId: m[1] as string, attempt: Number(m[2]), target: m[3] as string } : null;
}
