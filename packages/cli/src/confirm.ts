import { confirm, isCancel } from "@clack/prompts";
import { TidemarkError } from "@tidemark/migrate/modules/errors";

/** True when a person can answer a prompt: both stdin and stdout are terminals. */
export const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Options of {@link confirmOrRefuse}. */
export interface ConfirmOptions {
  /** The yes/no question asked on a TTY. */
  question: string;
  /** `--yes` was passed: no question, no refusal. */
  yes: boolean;
  /** The flag a script must pass instead, shown in the refusal (default `--yes`). */
  flag?: string;
}

/**
 * Ask before doing something that cannot be taken back. On a TTY, ask (default No);
 * off a TTY, refuse unless `--yes` (README.md, "Commands"): a script must say so explicitly.
 */
export async function confirmOrRefuse(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  const flag = options.flag ?? "--yes";
  if (!interactive) {
    throw new TidemarkError(
      "TM_REFUSED",
      `Refusing without confirmation: this is not an interactive terminal. Nothing was changed; re-run with ${flag} to proceed.`,
    );
  }
  const answer = await confirm({ message: options.question, initialValue: false });
  if (isCancel(answer)) {
    throw new TidemarkError("TM_ABORTED", "Cancelled. Nothing was changed.");
  }
  if (!answer) {
    throw new TidemarkError("TM_ABORTED", "Not confirmed. Nothing was changed.");
  }
}
