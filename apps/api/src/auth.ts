import { createHash, timingSafeEqual } from "node:crypto";
import { TidemarkError } from "@tidemark/migrate";
import type { FastifyRequest } from "fastify";

// Hashing first gives equal-length buffers, so the comparison leaks neither content nor length.
const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * An `onRequest` hook guarding admin routes with `Authorization: Bearer ADMIN_TOKEN`.
 * It runs before body validation, so an anonymous caller learns nothing about the schema.
 * Without a configured token the routes are disabled outright (403), never open.
 */
export function requireAdmin(token: string | undefined): (req: FastifyRequest) => Promise<void> {
  const expected = token === undefined ? null : digest(token);
  return async (req) => {
    if (!expected) {
      throw new TidemarkError(
        "TM_JOBS_DISABLED",
        "Job endpoints are disabled because ADMIN_TOKEN is not set. Set ADMIN_TOKEN (at least 16 characters) and restart the API, or use `pnpm cli`.",
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new TidemarkError(
        "TM_UNAUTHORIZED",
        "Missing or wrong admin token. Send `Authorization: Bearer <ADMIN_TOKEN>`.",
      );
    }
  };
}
