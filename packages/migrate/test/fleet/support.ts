import { writeFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@tidemark/testkit";
import { expect } from "vitest";
import { TidemarkError } from "../../src/errors.js";

/** Write `content` to a file called `name` in a fresh temp dir (removed after the test file). */
export async function targetsFile(name: string, content: string | unknown): Promise<string> {
  const { dir } = await tempDir("tm-fleet-");
  const file = path.join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

/** The TidemarkError `fn` throws (or rejects with); fails the test when it does not throw one. */
export async function caught(fn: () => unknown): Promise<TidemarkError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TidemarkError);
    return err as TidemarkError;
  }
  throw new Error("expected a TidemarkError, nothing was thrown");
}

/** The problems of a TM_TARGETS_INVALID error, as listed in its details. */
export function problemsOf(err: TidemarkError): string[] {
  expect(err.code).toBe("TM_TARGETS_INVALID");
  return err.details.problems as string[];
}
