// The process harness of the tests that drive the built API, worker and CLI.
export * from "./apps.js";
export * from "./process.js";
