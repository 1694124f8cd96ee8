/** A requestedBy for test payloads. */
export const testRequester = { via: "test" as const, host: "vitest", pid: process.pid };

/** A RunReport-shaped result for jobs a test worker completes. */
export function fakeReport(to: string | null = "0004_set_default_avatar_url") {
  return { direction: "up" as const, from: null, to, dryRun: false, steps: [] };
}
