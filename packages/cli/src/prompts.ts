import { isCancel, type SpinnerResult, select, spinner } from "@clack/prompts";
import { type RenameAnswer, type RenameQuestion, TidemarkError } from "@tidemark/migrate";
import { interactive } from "./confirm.js";
import { stdoutIsTTY } from "./output.js";

/**
 * Ask whether a new table/column is really new or a rename of a vanished one, on a TTY.
 * Off a TTY there is no resolver, so the engine fails and names the `--rename` flag to use.
 */
export function renamePrompt(): ((q: RenameQuestion) => Promise<RenameAnswer>) | undefined {
  if (!interactive) return undefined;
  return async (q) => {
    const subject = q.kind === "table" ? `table ${q.created}` : `column ${q.table}.${q.created}`;
    const answer = await select<string>({
      message: `Is ${subject} new, or a rename of something that disappeared?`,
      options: [
        { value: "", label: `create ${subject}`, hint: "a new, empty object" },
        ...q.candidates.map((c) => ({
          value: c,
          label: `rename ${c} → ${q.created}`,
          hint: "keeps the data",
        })),
      ],
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
