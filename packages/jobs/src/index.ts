export type { AwaitOptions } from "./await.js";
export * from "./config.js";
export {
  blockingConnection,
  isRedisConnectionError,
  producerConnection,
  redisUnavailable,
} from "./connection.js";
export * from "./dispatch.js";
export * from "./job-error.js";
export * from "./names.js";
export * from "./payloads.js";
export * from "./queue.js";
export * from "./requester.js";
export * from "./results.js";
export * from "./retention.js";
export * from "./view.js";
