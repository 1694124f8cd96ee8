/** Debian's Chromium; playwright-core downloads no browser here. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * How the dashboard tests and scripts/screenshot.mjs start it, as root, headless. Without the
 * background-networking flags Chromium keeps dialling Google's hosts, which this closed
 * network refuses.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
