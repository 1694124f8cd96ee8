export { createMigration } from "./create.js";
export { describeDrops, type PlannedDrop } from "./drops.js";
export { type InitExtras, initProject } from "./init.js";
export { MAX_MESSAGE_LENGTH, slugMessage } from "./message.js";
export type {
  CreateOptions,
  CreateResult,
  DestructiveStatement,
  InitOptions,
  InitResult,
  RenameAnswer,
  RenameOptions,
  RenameQuestion,
} from "./types.js";
export { UNVERIFIED_MARKER, type UnverifiedDown } from "./unverified.js";
export { type ValidationInput, validateMigration } from "./validate.js";
