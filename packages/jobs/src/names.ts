/** The BullMQ queue every Tidemark process shares (see ARCHITECTURE.md). */
export const QUEUE_NAME = "migrations";

/** The jobs a worker knows how to run. */
export const jobNames = ["upgrade", "rollback", "backup", "restore"] as const;

/** One of {@link jobNames}. */
export type JobName = (typeof jobNames)[number];

/** True when `name` is a job this package knows (a job added by hand may not be). */
export function isJobName(name: string): name is JobName {
  return (jobNames as readonly string[]).includes(name);
}
