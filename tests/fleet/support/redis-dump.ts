import { redisUrl } from "@tidemark/testkit";
import { Redis } from "ioredis";

/** The value of one key, whatever its type, as text. */
async function readKey(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  if (type === "string") return (await redis.get(key)) ?? "";
  if (type === "hash") return JSON.stringify(await redis.hgetall(key));
  if (type === "list") return JSON.stringify(await redis.lrange(key, 0, -1));
  if (type === "set") return JSON.stringify(await redis.smembers(key));
  if (type === "zset") return JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"));
  if (type === "stream") return JSON.stringify(await redis.xrange(key, "-", "+"));
  return `(${type})`;
}

/** Every key under a queue prefix with its value: all a run left in Redis, for greps. */
export async function dumpPrefix(prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const dump = new Map<string, string>();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) dump.set(key, await readKey(redis, key));
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return dump;
}
