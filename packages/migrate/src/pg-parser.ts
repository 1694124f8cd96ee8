/** libpg-query: PostgreSQL's own parser compiled to WASM. */
export type PgParser = typeof import("libpg-query");

let loading: Promise<PgParser> | undefined;
let loaded: PgParser | undefined;

/**
 * Load the parser on first use. Most processes (the API, the worker) never parse SQL, and
 * loading the WASM module at import time cost every one of them ~10 MB and ~200 ms.
 */
export function loadPgParser(): Promise<PgParser> {
  loading ??= import("libpg-query").then(async (mod) => {
    await mod.loadModule();
    loaded = mod;
    return mod;
  });
  return loading;
}

/** The parser, for synchronous callers that run after {@link loadPgParser} resolved. */
export function pgParser(): PgParser {
  if (!loaded) throw new Error("libpg-query used before loadPgParser() resolved");
  return loaded;
}
