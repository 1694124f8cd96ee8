export { type BackupOptions, backup, backupDirOf } from "./backup.js";
export { resolveBackupFile } from "./confine.js";
export { checkPgTools, type PgToolOptions } from "./pgtools.js";
export { type RestoreOptions, type RestoreReport, restore } from "./restore.js";
export { type BackupInfo, isRestorePoint, listBackups, RESTORE_POINT_REASONS } from "./store.js";
