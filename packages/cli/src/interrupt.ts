/** Listen for Ctrl-C while `fn` runs; our listener also stops Node's default exit. */
export async function onInterrupt<T>(handler: () => void, fn: () => Promise<T>): Promise<T> {
  process.on("SIGINT", handler);
  try {
    return await fn();
  } finally {
    process.off("SIGINT", handler);
  }
}
