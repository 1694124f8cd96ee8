import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ReadTokens } from "../auth.js";

/** Name of the dashboard's session cookie. */
export const SESSION_COOKIE = "tidemark_session";

/** A signed-in viewer: what they may do and the nonce their CSRF token derives from. */
export interface Session {
  role: "reader" | "admin";
  nonce: string;
}

/** A session lasts this long; signing in again starts a new one. */
export const SESSION_TTL_S = 8 * 60 * 60;

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * The cookie signing secret: random per process, so a restart signs everybody out and no
 * secret is ever configured, stored or derivable from the tokens (docs/dashboard.md).
 */
export function sessionSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Which role, if any, a token typed into the sign-in form grants (constant-time compare). */
export function roleOf(tokens: ReadTokens, typed: string): Session["role"] | null {
  const got = digest(typed);
  const admin = tokens.adminToken !== undefined && timingSafeEqual(got, digest(tokens.adminToken));
  const reader = tokens.statusToken !== undefined && timingSafeEqual(got, digest(tokens.statusToken));
  if (admin) return "admin";
  return reader ? "reader" : null;
}

/** Set the signed, HttpOnly, SameSite=Strict session cookie for `role`. */
export function startSession(reply: FastifyReply, role: Session["role"]): void {
  const value = `${role}.${Math.floor(Date.now() / 1000) + SESSION_TTL_S}.${randomBytes(16).toString("base64url")}`;
  reply.setCookie(SESSION_COOKIE, value, {
    signed: true,
    httpOnly: true,
    sameSite: "strict",
    path: "/",
    maxAge: SESSION_TTL_S,
    secure: "auto",
  });
}

/** Forget the session cookie. */
export function endSession(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}

/** The request's valid, unexpired session, or null (a forged or tampered cookie is null). */
export function sessionOf(req: FastifyRequest): Session | null {
  const cookie = req.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const unsigned = req.unsignCookie(cookie);
  if (!unsigned.valid || unsigned.value === null) return null;
  const [role, expires, nonce] = unsigned.value.split(".");
  if ((role !== "reader" && role !== "admin") || !nonce) return null;
  if (!(Number(expires) > Date.now() / 1000)) return null;
  return { role, nonce };
}

/** The CSRF token of a session: an HMAC of its nonce, so nothing has to be stored server-side. */
export function csrfToken(secret: string, session: Session): string {
  return createHmac("sha256", secret).update(`csrf:${session.nonce}`).digest("base64url");
}

/** True when `sent` is the session's CSRF token. */
export function csrfValid(secret: string, session: Session, sent: unknown): boolean {
  if (typeof sent !== "string" || sent.length === 0) return false;
  return timingSafeEqual(digest(sent), digest(csrfToken(secret, session)));
}
