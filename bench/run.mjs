// `pnpm bench [name...]`: runs each benchmark module in turn; every figure is printed with its
// ratio against a baseline measured in the same run.
import { readdir } from "node:fs/promises";

const only = process.argv.slice(2);
const skip = new Set(["run.mjs", "support.mjs"]);
const files = (await readdir(new URL(".", import.meta.url)))
  .filter((f) => f.endsWith(".mjs") && !skip.has(f))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.mjs$/, "")))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n# ${file.replace(/\.mjs$/, "")}`);
  try {
    const mod = await import(new URL(file, import.meta.url).href);
    await mod.run();
  } catch (err) {
    failed++;
    console.error(`${file} failed: ${err instanceof Error ? err.message : err}`);
  }
}
process.exit(failed ? 1 : 0);
