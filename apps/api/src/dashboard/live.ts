import type { ServerResponse } from "node:http";
import type { QueueEvents } from "bullmq";
import type { FastifyBaseLogger } from "fastify";

/** What one SSE message says about a job; never SQL, table names or error text. */
export interface LiveEvent {
  type: "waiting" | "active" | "progress" | "completed" | "failed" | "removed";
  jobId: string;
  /** `k/N` while a migration run reports steps. */
  step?: string;
  revision?: string;
}

/** Heartbeat comments keep proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** A progress event as the worker publishes it (ProgressEvent), reduced to what the page shows. */
function stepOf(data: unknown): Pick<LiveEvent, "step" | "revision"> {
  const e = data as { type?: string; index?: number; total?: number; revision?: string };
  if (typeof e?.index !== "number" || typeof e.total !== "number") return {};
  // Steps count from 0; people count from 1: "2/3 running" is the second of three.
  const word = e.type === "step-done" ? "done" : "running";
  return {
    step: `${e.index + 1}/${e.total} ${word}`,
    revision: typeof e.revision === "string" ? e.revision : undefined,
  };
}

/**
 * Fans ONE shared BullMQ QueueEvents subscription (the job watcher's) out to every open
 * dashboard: a hundred viewers cost a hundred sockets, not a hundred Redis subscriptions.
 */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private subscribed: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: () => Promise<QueueEvents>,
    private readonly onJobEnd: () => void,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Open dashboards. */
  get size(): number {
    return this.clients.size;
  }

  /** Stream events to `res` until it closes. */
  add(res: ServerResponse): void {
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
    res.write("retry: 2000\n\n");
    this.subscribe();
    this.heartbeat ??= setInterval(() => this.write(": keep-alive\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** End every stream (the API is closing). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private subscribe(): void {
    this.subscribed ??= this.events().then(
      (ev) => {
        ev.on("waiting", ({ jobId }) => this.send({ type: "waiting", jobId }));
        ev.on("active", ({ jobId }) => this.send({ type: "active", jobId }));
        ev.on("progress", ({ jobId, data }) => this.send({ type: "progress", jobId, ...stepOf(data) }));
        ev.on("completed", ({ jobId }) => this.ended({ type: "completed", jobId }));
        ev.on("failed", ({ jobId }) => this.ended({ type: "failed", jobId }));
        ev.on("removed", ({ jobId }) => this.send({ type: "removed", jobId }));
      },
      (err: unknown) => {
        // Redis is down: the page still works, it just does not update; the next viewer retries.
        this.subscribed = null;
        this.log.warn({ err }, "dashboard: job events unavailable");
      },
    );
  }

  private ended(event: LiveEvent): void {
    // The status the page re-reads must already include what the job changed.
    this.onJobEnd();
    this.send(event);
  }

  private send(event: LiveEvent): void {
    this.write(`event: job\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
