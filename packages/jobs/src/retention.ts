/**
 * How long finished jobs stay in Redis. Completed jobs are trimmed (their outcome is also
 * in `tidemark.history`); failed jobs are kept so their error can be read later. Set by
 * the producer on each job and by the worker as its default.
 */
export const retention = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 200 },
  removeOnFail: { count: 1000 },
} as const;
