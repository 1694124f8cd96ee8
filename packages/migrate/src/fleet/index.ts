export * from "./config.js";
export * from "./map-limit.js";
export * from "./status.js";
export * from "./target-error.js";
export { findTarget, loadTargets, targetConnectionUrl } from "./targets.js";
export { type FleetTarget, passwordEnvPattern, targetNamePattern } from "./validate.js";
export * from "./waves.js";
