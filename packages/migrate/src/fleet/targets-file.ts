import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { redactUrls } from "../redact.js";
import { jsonErrorOffset } from "./json-position.js";
import { type RawTarget, targetsInvalid } from "./validate.js";

type Format = "json" | "yaml";

/** What went wrong reading the file; becomes one line of TM_TARGETS_INVALID. */
class FileProblem extends Error {}

function formatOf(file: string): Format {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  throw new FileProblem(`the file name must end in .json, .yaml or .yml (got "${ext || "no extension"}")`);
}

async function readText(file: string): Promise<string> {
  try {
    // A BOM is legal in YAML but JSON.parse refuses it, and editors on Windows add one.
    return (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileProblem("the file does not exist (check TIDEMARK_TARGETS)");
    if (code === "EACCES") throw new FileProblem("the file cannot be read: permission denied");
    if (code === "EISDIR") throw new FileProblem("the path is a directory, not a targets file");
    throw new FileProblem(`the file cannot be read (${code ?? String(err)})`);
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the fault, which may hold a password: keep only the reason.
    const reason = (err as Error).message
      .replace(/,\s.*is not valid JSON$/s, "")
      .replace(/ in JSON at position \d+.*$/s, "");
    throw new FileProblem(
      `the file is not valid JSON${lineColumn(text, jsonErrorOffset(text))}: ${redactUrls(reason)}`,
    );
  }
}

function parseYamlText(text: string): unknown {
  try {
    // logLevel "error": throw errors, but never print warnings (they quote the file).
    return parseYaml(text, { logLevel: "error" });
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    // The message is "<reason> at line L, column C:" and then an excerpt of the file: drop it.
    const reason = err.message.split(/ at line \d+/)[0] ?? err.code;
    const at = err.linePos?.[0];
    throw new FileProblem(
      `the file is not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${redactUrls(reason)}`,
    );
  }
}

/** The list of a file holding either a list of targets or `{ targets: [...] }`. */
function entriesOf(doc: unknown): RawTarget[] {
  if (doc === null || doc === undefined)
    throw new FileProblem("the file is empty; a fleet needs at least one target");
  let list: unknown = doc;
  if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) {
    const extra = Object.keys(doc).filter((k) => k !== "targets");
    if (extra.length > 0) {
      throw new FileProblem(`unknown top-level key ${JSON.stringify(extra[0])} (only "targets" is allowed)`);
    }
    list = (doc as { targets?: unknown }).targets;
  }
  if (!Array.isArray(list)) {
    throw new FileProblem("the file must hold a list of targets, or an object whose `targets` is that list");
  }
  if (list.length === 0) throw new FileProblem("the file lists no targets; a fleet needs at least one");
  return list.map((entry, i) => ({ at: `targets[${i}]`, entry }));
}

/** The entries of the targets file `file` (`.json`, `.yaml` or `.yml`), not yet validated. */
export async function readTargetsFile(file: string): Promise<RawTarget[]> {
  try {
    const format = formatOf(file);
    const text = await readText(file);
    return entriesOf(format === "json" ? parseJson(text) : parseYamlText(text));
  } catch (err) {
    if (err instanceof FileProblem) throw targetsInvalid(file, [err.message]);
    throw err;
  }
}
