#!/usr/bin/env node
// Root `pnpm start`: run the migrator worker and the API side by side with one log stream.
// Each line is prefixed with its app's name (pino JSON is made readable on a terminal),
// SIGINT/SIGTERM are forwarded once to every app (the worker finishes its migration, the API
// closes its port), we exit once both stopped, and when one app dies the others are stopped
// and the supervisor exits non-zero, so a process manager sees the failure. Root `pnpm start`
// `exec`s this script, so the SIGTERM a process manager sends pnpm reaches us, not a shell.
//
// Usage: node scripts/start.mjs [name=path/to/main.js ...]   (default: migrator and api)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const defaults = ["migrator=apps/migrator/dist/main.js", "api=apps/api/dist/main.js"];
const apps = (process.argv.length > 2 ? process.argv.slice(2) : defaults).map((arg) => {
  const [name, file] = arg.split("=");
  return { name, file: path.resolve(root, file ?? "") };
});

const tty = process.stdout.isTTY;
const width = Math.max(...apps.map((a) => a.name.length));
const colors = [36, 35, 33, 32, 34];
const levels = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const paint = (code, text) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);

/** A pino JSON line as `12:00:01.123 INFO  message {fields}`; anything else unchanged. */
function readable(line) {
  if (!tty || !line.startsWith("{")) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, time, msg, pid: _pid, hostname: _host, name: _name, err, ...fields } = entry;
  const at = typeof time === "number" ? new Date(time).toTimeString().slice(0, 8) : "";
  const label = levels[level] ?? String(level);
  const tint = level >= 50 ? 31 : level >= 40 ? 33 : 2;
  const rest = Object.keys(fields).length > 0 ? ` ${paint(2, JSON.stringify(fields))}` : "";
  const error = err ? `\n${err.stack ?? err.message ?? JSON.stringify(err)}` : "";
  return `${paint(2, at)} ${paint(tint, label)} ${msg ?? ""}${rest}${error}`;
}

function log(text) {
  process.stdout.write(`${paint(1, "start".padEnd(width))} | ${text}\n`);
}

const children = new Map();
let stopping = false;
let exitCode = 0;

for (const app of apps) {
  if (!existsSync(app.file)) {
    log(`${app.file} does not exist; build first with \`pnpm build\` (root \`pnpm start\` does).`);
    process.exit(1);
  }
}

for (const [i, app] of apps.entries()) {
  // Own process group: a terminal's Ctrl-C reaches only us, and we forward it exactly once.
  const child = spawn(process.execPath, [app.file], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.set(app.name, child);
  const prefix = `${paint(colors[i % colors.length], app.name.padEnd(width))} | `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) =>
      process.stdout.write(`${prefix}${readable(line)}\n`),
    );
  }
  child.on("exit", (code, signal) => {
    children.delete(app.name);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!stopping) {
      log(`${app.name} exited (${how}); stopping the others`);
      exitCode = code || 1;
      stopAll("SIGTERM");
    } else {
      log(`${app.name} stopped (${how})`);
      if (code !== 0) exitCode = exitCode || code || 1;
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

function stopAll(signal) {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

// A terminal's Ctrl-C reaches us twice at once (from the terminal and forwarded by pnpm):
// only a signal this long after the first one means "force".
const FORCE_AFTER_MS = 1000;
let firstSignalAt = 0;

/** First signal: stop the apps gracefully. A later one: SIGKILL them. */
function onSignal(signal) {
  const now = Date.now();
  if (firstSignalAt === 0) {
    firstSignalAt = now;
    log(`${signal}: stopping ${[...children.keys()].join(", ")} (again to force)`);
    stopAll(signal);
  } else if (now - firstSignalAt >= FORCE_AFTER_MS) {
    log("forcing: SIGKILL");
    stopAll("SIGKILL");
  }
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => onSignal(signal));

// Whoever started us may die without passing a signal on (a shell killed by a process
// manager, pnpm killed with -9): once we are orphaned, stop the apps as for SIGTERM.
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanCheck);
  log("the process that started us is gone");
  onSignal("SIGTERM");
}, 500);
orphanCheck.unref();
// Never leave the apps orphaned if the supervisor itself goes down.
process.on("exit", () => {
  for (const child of children.values()) child.kill("SIGKILL");
});
