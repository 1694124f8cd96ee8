import { type SpinnerResult, spinner } from "@clack/prompts";
import type { ProgressEvent, StepReport } from "@tidemark/migrate";
import { color, formatDuration, plural, stdoutIsTTY } from "./output.js";

/** Shows a run's progress: a spinner per step on a TTY, one plain line per event otherwise. */
export interface Progress {
  /** Forward an engine (or worker) progress event. */
  event(event: ProgressEvent): void;
  /** A status note that is not an engine event (queued, waiting for a worker…). */
  note(text: string): void;
  /** Stop any spinner, marking the current step failed if the run failed. */
  end(failed: boolean): void;
  /**
   * Show the finished steps no event announced: progress events of a queued job can be
   * missed (a worker may finish before we listen), the final report never is.
   */
  catchUp(steps: StepReport[]): void;
}

/** `[2/5]` */
function counter(index: number, total: number): string {
  return color.dim(`[${index + 1}/${total}]`);
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
    default:
      return JSON.stringify(event);
  }
}

/** Wrap a renderer so it remembers which steps it showed, and can show the rest from the report. */
function withCatchUp(render: Omit<Progress, "catchUp">): Progress {
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

/** Plain lines, for logs and pipes (and stderr under `--json`, so stdout stays one document). */
function lineProgress(write: (line: string) => void): Omit<Progress, "catchUp"> {
  return {
    event: (e) => write(describe(e)),
    note: (text) => write(text),
    end: () => {},
  };
}

/** A clack spinner that turns into a ✔ line as each step finishes. */
function spinnerProgress(): Omit<Progress, "catchUp"> {
  let spin: SpinnerResult | null = null;
  const stop = (text?: string) => {
    spin?.stop(text);
    spin = null;
  };
  const start = (text: string) => {
    if (spin) spin.message(text);
    else {
      spin = spinner({ withGuide: false });
      spin.start(text);
    }
  };
  return {
    event(e) {
      if (e.type === "step-start") start(describe(e));
      // clack marks a stopped spinner as done itself; our ✔ would double it.
      else if (e.type === "step-done") stop(describe(e).replace(/^\S+ /, ""));
      else if (e.type === "retry" && spin) spin.message(describe(e));
      else {
        stop();
        process.stdout.write(`${describe(e)}\n`);
      }
    },
    note(text) {
      start(text);
    },
    end(failed) {
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
