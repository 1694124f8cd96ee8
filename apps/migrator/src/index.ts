export { createLogger } from "@tidemark/migrate";
export * from "./config.js";
export * from "./engine.js";
export * from "./processor.js";
export * from "./worker.js";
