export { type Api, type AppOptions, buildApp } from "./app.js";
export { Boot, type BootPhase, type BootSnapshot } from "./boot.js";
export { type ApiConfig, apiEnvSchema, loadApiConfig, type MigrateOnBoot } from "./config.js";
export { createLogger } from "./logger.js";
