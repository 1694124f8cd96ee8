import { createHash, timingSafeEqual } from "node:crypto";
import { TidemarkError } from "@tidemark/migrate";
import type { FastifyRequest } from "fastify";

// Hashing first gives equal-length buffers, so the comparison leaks neither content nor length.
const digest = (s: string) => createHash("sha256").update(s).digest();

function bearer(req: FastifyRequest): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;
}

/** True when the request carries one of `tokens` (undefined entries never match). */
function carriesOneOf(req: FastifyRequest, expected: Buffer[]): boolean {
  const sent = bearer(req);
  if (!sent) return false;
  const got = digest(sent);
  // Compare against every token so the time taken does not tell which one matched.
  return expected.map((e) => timingSafeEqual(got, e)).includes(true);
}

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
    if (!carriesOneOf(req, [expected])) {
      throw new TidemarkError(
        "TM_UNAUTHORIZED",
        "Missing or wrong admin token. Send `Authorization: Bearer <ADMIN_TOKEN>`.",
      );
    }
  };
}

/** The tokens that read details: STATUS_TOKEN and ADMIN_TOKEN, whichever are set. */
export interface ReadTokens {
  statusToken: string | undefined;
  adminToken: string | undefined;
}

/** A predicate: does this request carry a token that may read status details, history and jobs? */
export function readerCheck(tokens: ReadTokens): (req: FastifyRequest) => boolean {
  const expected = [tokens.statusToken, tokens.adminToken]
    .filter((t): t is string => t !== undefined)
    .map(digest);
  return (req) => expected.length > 0 && carriesOneOf(req, expected);
}

/**
 * An `onRequest` hook for routes that show history and jobs: Bearer STATUS_TOKEN or
 * ADMIN_TOKEN. With neither set, the routes are closed (403), never open.
 */
export function requireReader(tokens: ReadTokens): (req: FastifyRequest) => Promise<void> {
  const isReader = readerCheck(tokens);
  const configured = tokens.statusToken !== undefined || tokens.adminToken !== undefined;
  return async (req) => {
    if (!configured) {
      throw new TidemarkError(
        "TM_JOBS_DISABLED",
        "This endpoint needs STATUS_TOKEN or ADMIN_TOKEN, and neither is set. Set one (at least 16 characters) and restart the API, or use `pnpm cli`.",
      );
    }
    if (!isReader(req)) {
      throw new TidemarkError(
        "TM_UNAUTHORIZED",
        "Missing or wrong token. Send `Authorization: Bearer <STATUS_TOKEN>` (or the ADMIN_TOKEN).",
      );
    }
  };
}
