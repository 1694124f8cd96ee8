/** The command tree, for embedding the CLI or generating its docs. */
export { buildProgram } from "./program.js";
