import type { RedisOptions } from "ioredis";

const SENTINEL = "redis+sentinel:";

/** True for `redis+sentinel://[user:pass@]host:port[,host:port…]/primary-name[/db]`. */
export function isSentinelUrl(url: string): boolean {
  return url.startsWith(`${SENTINEL}//`);
}

/**
 * ioredis options for a Sentinel URL: the sentinels to ask and the primary's name. ioredis
 * asks them for the current primary and follows a failover. The password is the primary's
 * (and, as Redis deployments usually share it, the sentinels').
 */
function sentinelOptions(url: string): RedisOptions {
  const m = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([^/]+)(?:\/(\d+))?\/?$/.exec(url);
  if (!m) throw new Error("expected redis+sentinel://host:port[,host:port]/primary-name");
  const [, user, pass, hosts = "", name, db] = m;
  const sentinels = hosts.split(",").map((h) => {
    const [host = "", port = "26379"] = h.split(":");
    return { host, port: Number(port) };
  });
  const password = pass ? decodeURIComponent(pass) : undefined;
  return {
    sentinels,
    name,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password, sentinelPassword: password } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
}

/** Where to connect, as ioredis options: a `redis://` URL as is, a Sentinel URL spelt out. */
export function redisTarget(url: string): RedisOptions & { url?: string } {
  return isSentinelUrl(url) ? sentinelOptions(url) : { url };
}

/** Zod refinement: a `redis://`, `rediss://` or `redis+sentinel://` URL. */
export function isRedisUrl(url: string): boolean {
  if (isSentinelUrl(url)) {
    try {
      sentinelOptions(url);
      return true;
    } catch {
      return false;
    }
  }
  return /^rediss?:\/\//.test(url) && URL.canParse(url);
}
