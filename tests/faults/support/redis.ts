import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { eventually, freePort, type Proc, track } from "./processes.js";

/** A private redis-server the test may kill and restart; the shared one at :6379 is never touched. */
export interface OwnRedis {
  port: number;
  url: string;
  /** The server process currently running, if any. */
  proc: Proc | null;
  /** Start (or restart) the server on the same port, empty: no RDB, no AOF. */
  start(): Promise<void>;
  /** kill -9: every key is lost, clients see the connection drop. */
  crash(): Promise<void>;
}

async function pong(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } finally {
    client.disconnect();
  }
}

/** Reserve a port for a private Redis; call `start()` to run it (a test may begin with Redis down). */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const self: OwnRedis = {
    port,
    url,
    proc: null,
    async start() {
      const child = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--daemonize",
          "no",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      self.proc = track(`redis:${port}`, child);
      await eventually(() => pong(url), `redis-server on port ${port}`, 10_000);
    },
    async crash() {
      await self.proc?.kill("SIGKILL");
      self.proc = null;
    },
  };
  return self;
}
