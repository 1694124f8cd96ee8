export * from "./config.js";
export * from "./engine.js";
export * from "./logger.js";
export * from "./processor.js";
export * from "./worker.js";
