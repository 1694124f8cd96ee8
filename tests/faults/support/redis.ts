import { spawn } from "node:child_process";
import { eventually } from "@tidemark/testkit";
import { freePort, kill9, ManagedProcess } from "@tidemark/testkit/processes";
import { Redis } from "ioredis";

/** A private redis-server the test may kill and restart; the shared one at :6379 is never touched. */
export interface OwnRedis {
  port: number;
  url: string;
  /** Start (or restart) the server on the same port, empty: no RDB, no AOF. */
  start(): Promise<void>;
  /** kill -9: every key is lost (no persistence), clients see the connection drop. */
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

/** Reserve a port for a private Redis; call `start()` to run it (a case may begin with Redis down). */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ManagedProcess | null = null;
  return {
    port,
    url,
    async start() {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
      const child = spawn("redis-server", [...args, "--daemonize", "no"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      server = new ManagedProcess(`redis:${port}`, child);
      await eventually(() => pong(url), `redis-server on port ${port}`, 10_000);
    },
    async crash() {
      if (server) await kill9(server);
      server = null;
    },
  };
}
