import { isCancel, type SpinnerResult, select, spinner } from "@clack/prompts";
import { type RenameAnswer, type RenameQuestion, TidemarkError } from "@tidemark/migrate";
import { interactive } from "./confirm.js";
import { stdoutIsTTY } from "./output.js";

/** One answer of the rename prompt: `value` is the candidate to rename, or "" for create. */
export interface RenameChoice {
  value: string;
  label: string;
  hint?: string;
}

/**
 * The rename prompt's answers and the preselected one. Renames come first and the first one is
 * preselected: Enter never drops data. The create answer says what it really does, including
 * the drop of the vanished object(s) when nothing else can claim them any more.
 */
export function renameChoices(q: RenameQuestion): { options: RenameChoice[]; initialValue: string } {
  const kind = q.kind === "table" ? "table" : "column";
  const created = q.kind === "table" ? q.created : `${q.table}.${q.created}`;
  const qualify = (c: string) => (q.kind === "table" ? c : `${q.table}.${c}`);
  const renames = q.candidates.map((c) => ({
    value: c,
    label: `rename ${qualify(c)} → ${created}`,
    hint: q.kind === "table" ? "keeps its rows" : "keeps its data",
  }));
  const dropped = q.droppedIfCreated.map(qualify);
  const their = dropped.length > 1 ? "their" : "its";
  const what = q.kind === "table" ? `with all ${their} rows` : `with ${their} data`;
  const create: RenameChoice =
    dropped.length > 0
      ? {
          value: "",
          label: `create ${created} as a new empty ${kind} and DROP ${dropped.join(", ")} ${what}`,
          hint: "data loss",
        }
      : {
          value: "",
          label: `create ${created} as a new empty ${kind}`,
          hint: `${q.candidates.map(qualify).join(", ")} can still be renamed to a later new ${kind}; otherwise it is dropped with its data`,
        };
  return { options: [...renames, create], initialValue: renames[0]?.value ?? "" };
}

/**
 * Ask whether a new table/column is really new or a rename of a vanished one, on a TTY.
 * Off a TTY there is no resolver, so the engine fails and names the `--rename` flag to use.
 */
export function renamePrompt(): ((q: RenameQuestion) => Promise<RenameAnswer>) | undefined {
  if (!interactive) return undefined;
  return async (q) => {
    const subject = q.kind === "table" ? `table ${q.created}` : `column ${q.table}.${q.created}`;
    const { options, initialValue } = renameChoices(q);
    const answer = await select<string>({
      message: `Is ${subject} new, or a rename of something that disappeared?`,
      options,
      initialValue,
    });
    if (isCancel(answer)) throw new TidemarkError("TM_ABORTED", "Cancelled. Nothing was written.");
    return answer === "" ? { action: "create" } : { action: "rename", from: answer };
  };
}

/** Run `fn` under a spinner on a TTY (silently otherwise); prompts inside `fn` pause it. */
export async function withSpinner<T>(text: string, fn: (pause: () => void) => Promise<T>): Promise<T> {
  if (!stdoutIsTTY) return fn(() => {});
  let spin: SpinnerResult | null = spinner();
  spin.start(text);
  const pause = () => {
    spin?.clear();
    spin = null;
  };
  try {
    return await fn(pause);
  } finally {
    spin?.clear();
  }
}
