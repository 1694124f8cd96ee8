export type { AwaitOptions, WorkerChange } from "./await.js";
export * from "./config.js";
export {
  blockingConnection,
  isRedisConnectionError,
  producerConnection,
  redisUnavailable,
} from "./connection.js";
export * from "./dispatch.js";
export * from "./fleet/index.js";
export * from "./job-error.js";
export * from "./names.js";
export * from "./payloads.js";
export { invalidJobData, invalidJobError, TolerantJob, TolerantQueue, TolerantWorker } from "./poisoned.js";
export * from "./progress.js";
export * from "./queue.js";
export { isRedisUrl, redisTarget } from "./redis-url.js";
export * from "./requester.js";
export * from "./results.js";
export * from "./retention.js";
export * from "./view.js";
