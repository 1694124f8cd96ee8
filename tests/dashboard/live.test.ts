/// <reference lib="dom" />
// page.evaluate callbacks run in the browser, so these files see the DOM types.
import { addMigration, rewriteMigration } from "@tidemark/testkit";
import { describe, expect, it } from "vitest";
import {
  createWorld,
  dialogsOf,
  enqueue,
  jobEnded,
  newPage,
  STATUS_TOKEN,
  shot,
  signIn,
} from "./support/world.js";

const XSS = "<img src=x onerror=alert(1)>";

/** Its second statement raises an error whose message is markup. */
const HOSTILE = {
  tag: "0005_add_user_nickname",
  up: `ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nDO $$ BEGIN RAISE EXCEPTION '${XSS}'; END $$;\n`,
  fixed: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

describe("dashboard: live", () => {
  it("shows a failing migration in red with its statement as text, then turns green by itself when a fixed upgrade runs", {
    timeout: 90_000,
  }, async () => {
    const w = await createWorld({
      env: { MIGRATE_ON_BOOT: "off" },
      prepare: ({ migrationsDir }) => addMigration(migrationsDir, HOSTILE.tag, HOSTILE.up, HOSTILE.down),
    });
    expect(await jobEnded(w.api, await enqueue(w.api, "upgrade"))).toBe("failed");

    const page = await newPage();
    await signIn(page, w.api, STATUS_TOKEN);
    expect(await page.getAttribute("#overall", "data-state")).toBe("fail");
    const failure = (await page.textContent("#last-failure")) ?? "";
    expect(failure).toContain(`Migration ${HOSTILE.tag}`);
    expect(failure).toContain("statement 2");
    // The message is shown as text: the markup is visible and no element was made of it.
    expect(failure).toContain(XSS);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.textContent("#history")).toContain(XSS);
    expect(await page.textContent("#last-failure .failed-statement")).toContain("RAISE EXCEPTION");
    await shot(page, "06-failed");

    // Mark this document: a reload would lose the mark, a live update keeps it.
    await page.evaluate(() => Object.assign(window, { tidemarkMark: 42 }));
    await page.waitForSelector("body[data-live=on]");
    await rewriteMigration(w.migrationsDir, HOSTILE.tag, HOSTILE.fixed);
    expect(await jobEnded(w.api, await enqueue(w.api, "upgrade"))).toBe("completed");
    await page.waitForSelector('#overall[data-state="ok"]', { timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { tidemarkMark?: number }).tidemarkMark)).toBe(42);
    expect(await page.locator("#last-failure").count()).toBe(0);
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogsOf(page)).toEqual([]);
    await shot(page, "07-fixed-live");
  });

  it("shows a running job's progress (k/N) live, without reloading", { timeout: 90_000 }, async () => {
    const slow = ["0005_slow_one", "0006_slow_two", "0007_slow_three"];
    const w = await createWorld({
      env: { MIGRATE_ON_BOOT: "off" },
      prepare: async ({ migrationsDir }) => {
        for (const tag of slow)
          await addMigration(migrationsDir, tag, "SELECT pg_sleep(1.5);\n", "SELECT 1;\n");
      },
    });
    expect(await jobEnded(w.api, await enqueue(w.api, "upgrade", { to: "0004" }))).toBe("completed");

    const page = await newPage();
    await signIn(page, w.api, STATUS_TOKEN);
    expect(await page.getAttribute("#overall", "data-state")).toBe("pending");
    await page.evaluate(() => Object.assign(window, { tidemarkMark: 7 }));
    await page.waitForSelector("body[data-live=on]");

    const jobId = await enqueue(w.api, "upgrade");
    const cell = `tr[data-job-id="${jobId}"] .progress`;
    await page.waitForFunction((sel) => /^2\/3 /.test(document.querySelector(sel)?.textContent ?? ""), cell, {
      timeout: 20_000,
    });
    await shot(page, "08-progress-live");
    await page.waitForFunction((sel) => /^3\/3 /.test(document.querySelector(sel)?.textContent ?? ""), cell, {
      timeout: 20_000,
    });
    await page.waitForSelector('#overall[data-state="ok"]', { timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { tidemarkMark?: number }).tidemarkMark)).toBe(7);
    await shot(page, "09-progress-done");
  });
});
