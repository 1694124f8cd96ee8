export { createLogger } from "@tidemark/migrate";
export { type Api, type AppOptions, buildApp } from "./app.js";
export { Boot, type BootPhase, type BootSnapshot } from "./boot.js";
export { type ApiConfig, apiEnvSchema, loadApiConfig, type MigrateOnBoot } from "./config.js";
