/** `42s`, `3m 05s`, `1h 02m`: how long something has been going on. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** The activity a heartbeat reports on: what is going on and since when. */
export interface Heartbeat {
  /** Start reporting on `text` (null: nothing is going on, stay quiet). */
  set(text: string | null): void;
  /** Stop for good. */
  stop(): void;
}

/** Decides, per activity, at which elapsed times a beat is shown (default: every tick). */
export type Marks = () => (elapsedMs: number) => boolean;

/**
 * Call `beat(text, elapsedMs)` every second (at the `marks` chosen) while an activity is set,
 * so a long step shows that it is still going and for how long. The timer never keeps the
 * process alive.
 */
export function startHeartbeat(
  beat: (text: string, elapsedMs: number) => void,
  marks: Marks = () => () => true,
): Heartbeat {
  let current: { text: string; since: number; due: (elapsedMs: number) => boolean } | null = null;
  const timer = setInterval(() => {
    if (!current) return;
    const elapsed = Date.now() - current.since;
    if (current.due(elapsed)) beat(current.text, elapsed);
  }, 1000);
  timer.unref();
  return {
    set(text) {
      if (text === current?.text) return;
      current = text === null ? null : { text, since: Date.now(), due: marks() };
    },
    stop() {
      clearInterval(timer);
      current = null;
    },
  };
}

/** Off a terminal, a line every 10 s for the first minute, then one a minute: enough, not noisy. */
export const lineMarks: Marks = () => {
  let next = 10_000;
  return (elapsedMs) => {
    if (elapsedMs < next) return false;
    const step = elapsedMs < 60_000 ? 10_000 : 60_000;
    next = Math.floor(elapsedMs / step) * step + step;
    return true;
  };
};
