export * from "./status.js";
export * from "./targets.js";
