// The light half of the queue contract: names, settings, payloads, results and the in-process
// dispatcher, without BullMQ. Processes that must start without Redis (the API in inline mode,
// an up-to-date boot, the CLI's --direct) import this subpath.
export { loadQueueConfig, type QueueConfig, queueEnvSchema } from "./config.js";
export { type DispatchHooks, dispatchJob, type JobInput, type JobRequest } from "./dispatch.js";
export { type FleetOptions, fleetInput } from "./fleet/input.js";
export { type FleetAction, fleetActions } from "./fleet/names.js";
export { type FleetReport, fleetReportSchema, targetStatuses } from "./fleet/outcome.js";
export { isJobName, type JobName, jobNames, QUEUE_NAME } from "./names.js";
export { type JobPayload, parsePayload, type RequestedBy } from "./payloads.js";
export { isRedisUrl, redisTarget } from "./redis-url.js";
export { currentRequester } from "./requester.js";
export { type JobResult, type JobResults, parseResult } from "./results.js";
