/** The command tree, for embedding the CLI or generating its docs (scripts/env-help.mjs). */
export { cliEnvSchema } from "./config.js";
export { buildProgram, topHelpText } from "./program.js";
