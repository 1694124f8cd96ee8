// The light half of the queue contract: names and settings, without BullMQ. Processes that
// must start without Redis (the API in inline mode, an up-to-date boot) import this subpath.
export { loadQueueConfig, type QueueConfig, queueEnvSchema } from "./config.js";
export { isJobName, type JobName, jobNames, QUEUE_NAME } from "./names.js";
