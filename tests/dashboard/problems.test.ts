import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { eventually } from "@tidemark/testkit";
import { waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { createWorld, newPage, STATUS_TOKEN, shot, signIn } from "./support/world.js";

describe("dashboard: problems come first", () => {
  it("shows an applied migration changed on disk in red, with what to do", { timeout: 60_000 }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const file = path.join(w.migrationsDir, "0003_add_user_avatar_url.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited after it was applied\n`);

    const page = await newPage();
    await signIn(page, w.api, STATUS_TOKEN);
    await eventually(async () => {
      await page.reload();
      return (await page.getAttribute("#overall", "data-state")) === "fail";
    }, "the dashboard to turn red");
    const problems = (await page.textContent("#problems")) ?? "";
    expect(problems).toContain("Applied migration 0003_add_user_avatar_url was changed on disk");
    expect(problems).toContain("Restore the file as it was applied");
    // The problems card comes right after the banner, before anything else.
    const order = await page.$$eval("#main > section", (els) => els.map((e) => e.id));
    expect(order.slice(0, 2)).toEqual(["overall", "problems"]);
    await shot(page, "14-changed-file");
  });
});
