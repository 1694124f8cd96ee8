import type { Sql } from "../connection.js";
import type { SchemaChange, SchemaDrift } from "../reports.js";
import type { Migration } from "../types.js";
import { readFingerprint, type SchemaObject } from "./fingerprint.js";
import { type RecordedSchema, readRecordedSchemas } from "./schema-state.js";
import { compareWithSnapshot } from "./snapshots.js";

export type { SchemaChange, SchemaDrift };

const key = (o: SchemaObject) => `${o.kind}\t${o.name}`;

/** What changed from `before` to `after`; objects of an added or removed table are folded into it. */
export function diffObjects(before: SchemaObject[], after: SchemaObject[]): SchemaChange[] {
  const old = new Map(before.map((o) => [key(o), o]));
  const now = new Map(after.map((o) => [key(o), o]));
  const changes: SchemaChange[] = [];
  for (const [k, o] of now) {
    const was = old.get(k);
    if (!was) changes.push({ change: "added", kind: o.kind, name: o.name, after: o.definition });
    else if (was.definition !== o.definition) {
      changes.push({
        change: "changed",
        kind: o.kind,
        name: o.name,
        before: was.definition,
        after: o.definition,
      });
    }
  }
  for (const [k, o] of old) {
    if (!now.has(k)) changes.push({ change: "removed", kind: o.kind, name: o.name, before: o.definition });
  }
  const wholeTables = new Set(
    changes.filter((c) => c.kind === "table" && c.change !== "changed").map((c) => c.name),
  );
  return changes.filter(
    (c) => c.kind === "table" || !wholeTables.has(c.name.slice(0, c.name.lastIndexOf("."))),
  );
}

function recordedOf(r: RecordedSchema): SchemaDrift["recorded"] {
  return { revision: r.revision, recordedAt: r.recordedAt, recordedBy: r.recordedBy };
}

/** Tables the current revision's drizzle-kit snapshot disagrees with, as changes. */
async function snapshotChanges(
  dir: string,
  current: Migration | undefined,
  live: SchemaObject[],
): Promise<SchemaChange[]> {
  if (!current) return [];
  const snapshotOf = current.tag;
  const tables = live.filter((o) => o.kind === "table").map((o) => o.name);
  const diff = await compareWithSnapshot(dir, current, tables);
  if (!diff) return [];
  return [
    ...diff.extra.map((name): SchemaChange => ({ change: "added", kind: "table", name, snapshotOf })),
    ...diff.missing.map((name): SchemaChange => ({ change: "removed", kind: "table", name, snapshotOf })),
  ];
}

/** Compare the live schema with the fingerprint recorded for `current` (one catalog query). */
export async function schemaDrift(
  sql: Sql,
  migrationsDir: string,
  current: { revision: string | null; migration?: Migration },
): Promise<SchemaDrift> {
  const [live, recorded] = await Promise.all([
    readFingerprint(sql),
    readRecordedSchemas(sql, current.revision),
  ]);
  const at = current.revision ?? "base";
  if (recorded.forRevision) {
    const changes = diffObjects(recorded.forRevision.objects, live.objects);
    return {
      state: changes.length ? "drifted" : "clean",
      recorded: recordedOf(recorded.forRevision),
      changes,
      summary: changes.length
        ? `The schema differs from what the last ${recorded.forRevision.recordedBy} run left at ${at} (${recorded.forRevision.recordedAt}): ${changes.length} change(s) made outside migrations. Put intended changes in a migration (pnpm cli create), undo the others, or accept the schema as it is with pnpm cli stamp ${at} --yes.`
        : `The schema matches what the last ${recorded.forRevision.recordedBy} run left at ${at}.`,
    };
  }
  if (recorded.newest) {
    const same = recorded.newest.hash === live.hash;
    return {
      state: "mismatch",
      recorded: recordedOf(recorded.newest),
      changes: await snapshotChanges(migrationsDir, current.migration, live.objects),
      summary: `The history says ${at}, but the schema was last recorded at ${recorded.newest.revision ?? "base"} (by ${recorded.newest.recordedBy}, ${recorded.newest.recordedAt}) and no run has recorded it since${same ? "; the schema is still exactly the one recorded there" : ""}. The history was changed without running migrations (stamp, or another tool). Make the schema match ${at}, or stamp the revision it matches.`,
    };
  }
  return {
    state: "unrecorded",
    recorded: null,
    changes: [],
    summary:
      "No schema fingerprint is recorded yet, so drift cannot be checked; the next upgrade or rollback that changes the revision, restore, or stamp records one.",
  };
}

/** Drift that should fail a check: changes outside migrations, or a history moved without a run. */
export function hasSchemaDrift(drift: SchemaDrift | null | undefined): boolean {
  return drift?.state === "drifted" || drift?.state === "mismatch";
}

/** One line for people: `column public.users.nickname added (text)`. */
export function describeSchemaChange(c: SchemaChange): string {
  const what = `${c.kind} ${c.name}`;
  if (c.snapshotOf) {
    return c.change === "added"
      ? `${what} exists, but drizzle-kit's snapshot of ${c.snapshotOf} does not have it`
      : `${what} is in drizzle-kit's snapshot of ${c.snapshotOf}, but the database lacks it`;
  }
  if (c.change === "added") return `${what} added outside migrations${c.after ? ` (${c.after})` : ""}`;
  if (c.change === "removed")
    return `${what} removed outside migrations${c.before ? ` (was ${c.before})` : ""}`;
  return `${what} changed outside migrations: ${c.before} → ${c.after}`;
}
