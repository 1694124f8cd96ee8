import { z } from "zod";

/** A process and the environment schema it parses. */
export interface EnvSource {
  process: string;
  schema: z.ZodObject;
}

/** One documented variable: its default as shown, the processes reading it, what it means. */
export interface EnvRow {
  name: string;
  shownDefault: string;
  usedBy: string[];
  description: string;
}

/** What a variable's schema carries for the documentation (see config.ts). */
interface EnvMeta {
  description?: string;
  shownDefault?: string;
  hidden?: boolean;
}

function metaOf(field: z.ZodType): EnvMeta {
  return { description: field.description, ...(z.globalRegistry.get(field) as EnvMeta | undefined) };
}

function defaultOf(field: z.ZodType): string {
  const def = field._zod.def as { type: string; defaultValue?: unknown };
  return def.type === "default" ? `\`${String(def.defaultValue)}\`` : "unset";
}

/**
 * Every documented variable of `sources`, in order of first appearance, with the processes
 * that read it. The README table and the CLI's help are both generated from these rows.
 */
export function envRows(sources: EnvSource[]): EnvRow[] {
  const rows = new Map<string, EnvRow>();
  for (const { process, schema } of sources) {
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const meta = metaOf(field);
      if (meta.hidden) continue;
      const row = rows.get(name) ?? {
        name,
        shownDefault: meta.shownDefault ?? defaultOf(field),
        usedBy: [],
        description: meta.description ?? "",
      };
      row.usedBy.push(process);
      rows.set(name, row);
    }
  }
  return [...rows.values()];
}

/** The rows as a Markdown table (the README's configuration section). */
export function envMarkdownTable(rows: EnvRow[]): string {
  const lines = ["| variable | default | used by | meaning |", "|---|---|---|---|"];
  for (const r of rows) {
    lines.push(`| \`${r.name}\` | ${r.shownDefault} | ${r.usedBy.join(", ")} | ${r.description} |`);
  }
  return lines.join("\n");
}

/** The rows as indented help text (the CLI's `--help`), without Markdown backticks. */
export function envHelpText(rows: EnvRow[]): string {
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  const plain = (s: string) => s.replaceAll("`", "");
  return rows
    .map((r) => `  ${r.name.padEnd(width)}${plain(r.description)} (default ${plain(r.shownDefault)})`)
    .join("\n");
}
