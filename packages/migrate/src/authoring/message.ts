import { TidemarkError } from "../errors.js";

/** Longest accepted migration message, so tags stay readable in file names and logs. */
export const MAX_MESSAGE_LENGTH = 100;

/**
 * Turn a migration message into the snake_case part of its tag
 * (`"Add user avatar URL"` → `add_user_avatar_url`), rejecting empty and over-long messages.
 */
export function slugMessage(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length === 0) {
    throw new TidemarkError(
      "TM_USAGE",
      'The migration message is empty. Describe the change, e.g. create "Add user avatar URL".',
    );
  }
  if (trimmed.length > MAX_MESSAGE_LENGTH) {
    throw new TidemarkError(
      "TM_USAGE",
      `The migration message is ${trimmed.length} characters long; keep it to ${MAX_MESSAGE_LENGTH} (it becomes the file name).`,
      { details: { length: trimmed.length } },
    );
  }
  const slug = trimmed
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (slug.length === 0) {
    throw new TidemarkError(
      "TM_USAGE",
      `The migration message "${trimmed}" has no letters or digits to name the file after; use words.`,
    );
  }
  return slug;
}
