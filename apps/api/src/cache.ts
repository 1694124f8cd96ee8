/** A value computed at most once per `ttlMs`, with concurrent callers sharing one computation. */
export interface Memo<T> {
  get(): Promise<T>;
  /** Forget the cached value (after a job changed the database). */
  invalidate(): void;
}

/**
 * Memoize an async function for `ttlMs`. Failures are not cached, so the next caller
 * retries. Why: `/migrations/status` runs several catalog queries; under load every
 * request would otherwise open its own round of them.
 */
export function memo<T>(fn: () => Promise<T>, ttlMs: number): Memo<T> {
  let value: { at: number; v: T } | null = null;
  let inflight: Promise<T> | null = null;
  let generation = 0;
  return {
    get() {
      if (value && performance.now() - value.at < ttlMs) return Promise.resolve(value.v);
      if (inflight) return inflight;
      const gen = generation;
      inflight = fn().then(
        (v) => {
          // An invalidate() during the computation means the result may already be stale.
          if (gen === generation) value = { at: performance.now(), v };
          inflight = null;
          return v;
        },
        (err: unknown) => {
          inflight = null;
          throw err;
        },
      );
      return inflight;
    },
    invalidate() {
      generation += 1;
      value = null;
      inflight = null;
    },
  };
}
