import { type SpinnerResult, spinner } from "@clack/prompts";
import type { ProgressEvent, StepReport } from "@tidemark/migrate";
import { formatElapsed, lineMarks, startHeartbeat } from "./heartbeat.js";
import { color, formatDuration, plural, stdoutIsTTY } from "./output.js";

/** Shows a run's progress: a spinner per step on a TTY, one plain line per event otherwise. */
export interface Progress {
  /** Forward an engine (or worker) progress event. */
  event(event: ProgressEvent): void;
  /** A status that lasts (queued, waiting for a worker…): shown with its elapsed time. */
  note(text: string): void;
  /** A line said once, above any spinner (a warning, a worker coming back). */
  say(text: string): void;
  /** Stop any spinner, marking the current step failed if the run failed. */
  end(failed: boolean): void;
  /**
   * Show the finished steps no event announced: progress events of a queued job can be
   * missed (a worker may finish before we listen), the final report never is.
   */
  catchUp(steps: StepReport[]): void;
}

type Renderer = Omit<Progress, "catchUp">;

/** `[2/5]` */
function counter(index: number, total: number): string {
  return color.dim(`[${index + 1}/${total}]`);
}

/** A `ctx.log` line of a TypeScript migration, coloured by level. */
function logLine(event: Extract<ProgressEvent, { type: "log" }>): string {
  const paint =
    event.level === "error" ? color.red : event.level === "warn" ? color.yellow : (s: string) => s;
  return `  ${color.dim("│")} ${color.dim(`${event.revision}:`)} ${paint(event.message)}`;
}

/** The line describing an event, shared by both renderers. */
function describe(event: ProgressEvent): string {
  switch (event.type) {
    case "plan":
      return event.revisions.length === 0
        ? "Nothing to do."
        : `${event.direction === "up" ? "Applying" : "Rolling back"} ${plural(event.revisions.length, "migration")}…`;
    case "step-start":
      return `${counter(event.index, event.total)} ${event.revision}…`;
    case "step-done":
      return `${color.green("✔")} ${counter(event.index, event.total)} ${event.revision} ${color.dim(formatDuration(event.durationMs))}`;
    case "retry":
      return `${color.yellow("↻")} ${event.revision}: ${event.reason}; retry ${event.attempt} in ${formatDuration(event.delayMs)}`;
    case "backup":
      return `${color.cyan("⛁")} Restore point: ${event.file}`;
    case "log":
      return logLine(event);
    default:
      return JSON.stringify(event);
  }
}

/** Wrap a renderer so it remembers which steps it showed, and can show the rest from the report. */
function withCatchUp(render: Renderer): Progress {
  const shown = new Set<string>();
  return {
    ...render,
    event(e) {
      if (e.type === "step-done") shown.add(e.revision);
      render.event(e);
    },
    catchUp(steps) {
      for (const [index, step] of steps.entries()) {
        if (shown.has(step.revision)) continue;
        render.event({
          type: "step-done",
          revision: step.revision,
          index,
          total: steps.length,
          durationMs: step.durationMs,
        });
      }
    },
  };
}

/**
 * Plain lines, for logs and pipes (and stderr under `--json`, so stdout stays one document).
 * A long step or wait gets a "still …" line at 10 s, 20 s, … then once a minute.
 */
function lineProgress(write: (line: string) => void): Renderer {
  const beat = startHeartbeat(
    (text, ms) => write(color.dim(`… still ${text.replace(/…$/, "")} (${formatElapsed(ms)})`)),
    lineMarks,
  );
  return {
    event(e) {
      if (e.type === "step-start") beat.set(`on ${describe(e)}`);
      else if (e.type === "step-done") beat.set(null);
      write(describe(e));
    },
    note(text) {
      // "waiting", whatever the note said: the job may have been taken meanwhile.
      beat.set("waiting");
      write(text);
    },
    say: (text) => write(text),
    end: () => beat.stop(),
  };
}

/** A clack spinner that turns into a ✔ line as each step finishes, its elapsed time ticking. */
function spinnerProgress(): Renderer {
  let spin: SpinnerResult | null = null;
  let text = "";
  const beat = startHeartbeat((t, ms) => spin?.message(`${t} ${color.dim(formatElapsed(ms))}`));
  const stop = (done?: string) => {
    spin?.stop(done);
    spin = null;
    beat.set(null);
  };
  const start = (t: string) => {
    text = t;
    beat.set(t);
    if (spin) spin.message(t);
    else {
      spin = spinner({ withGuide: false });
      spin.start(t);
    }
  };
  /** Print above the spinner: clear it, write, start it again on the same activity. */
  const above = (line: string) => {
    const resume = spin ? text : null;
    spin?.clear();
    spin = null;
    process.stdout.write(`${line}\n`);
    if (resume) start(resume);
  };
  return {
    event(e) {
      if (e.type === "step-start") start(describe(e));
      // clack marks a stopped spinner as done itself; our ✔ would double it.
      else if (e.type === "step-done") stop(describe(e).replace(/^\S+ /, ""));
      else if (e.type === "retry" && spin) spin.message(describe(e));
      else if (e.type === "log") above(describe(e));
      else {
        stop();
        process.stdout.write(`${describe(e)}\n`);
      }
    },
    note: (t) => start(t),
    say: (line) => above(line),
    end(failed) {
      beat.stop();
      if (!spin) return;
      if (failed) spin.error("Failed");
      else spin.clear();
      spin = null;
    },
  };
}

/** Pick the renderer for this terminal; under `--json`, progress goes to stderr as plain lines. */
export function createProgress(options: { json?: boolean } = {}): Progress {
  if (options.json) return withCatchUp(lineProgress((line) => process.stderr.write(`${line}\n`)));
  if (stdoutIsTTY) return withCatchUp(spinnerProgress());
  return withCatchUp(lineProgress((line) => process.stdout.write(`${line}\n`)));
}
