// Placeholder until the targets module lands (same signatures).
export interface FleetTarget {
  name: string;
  url: string;
  passwordEnv?: string;
}
export function targetConnectionUrl(
  target: FleetTarget,
  _env: Record<string, string | undefined> = process.env,
): string {
  return target.url;
}
