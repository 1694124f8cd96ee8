// Fleet runs without the engine: the CLI's `fleet jobs|upgrade|resume|cancel` start with BullMQ and
// these modules only, not with every migration command the main entry brings.
export * from "./fleet/index.js";
export { currentRequester } from "./requester.js";
