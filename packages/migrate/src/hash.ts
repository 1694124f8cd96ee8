import { createHash } from "node:crypto";

/** Hex sha256, the checksum drizzle-orm stores for a migration file. */
export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}
