/** Where the dashboard lives. */
export const DASHBOARD_PATH = "/migrations";

/** True when the client prefers an HTML page (a browser), not JSON (curl, scripts, the CLI). */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("text/html");
}
