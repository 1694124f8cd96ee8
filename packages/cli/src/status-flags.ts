/**
 * `status` is what scripts and people run most, so bin.ts runs it without commander and the
 * command tree when it has only these flags (all boolean); anything else, `--help` included,
 * goes through commander. A test keeps this list equal to the options `status` registers.
 */
export const STATUS_FLAGS = { "--json": "json", "--check": "check", "--direct": "direct" } as const;

type StatusFlag = keyof typeof STATUS_FLAGS;

/** The options commander would pass to `status` for these arguments, or null when it must parse them. */
export function statusOptions(
  args: string[],
): Partial<Record<(typeof STATUS_FLAGS)[StatusFlag], true>> | null {
  const options: Partial<Record<(typeof STATUS_FLAGS)[StatusFlag], true>> = {};
  for (const arg of args) {
    if (!Object.hasOwn(STATUS_FLAGS, arg)) return null;
    options[STATUS_FLAGS[arg as StatusFlag]] = true;
  }
  return options;
}
