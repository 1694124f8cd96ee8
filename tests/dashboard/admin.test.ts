/// <reference lib="dom" />
// page.waitForFunction callbacks run in the browser, so this file sees the DOM types.
import { waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, createWorld, newPage, STATUS_TOKEN, shot, signIn } from "./support/world.js";

describe("dashboard: admin actions", () => {
  it("rolls back after the admin confirms by typing the database name, and the timeline shows the restore point", {
    timeout: 120_000,
  }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const page = await newPage();
    await signIn(page, w.api, ADMIN_TOKEN);
    expect(await page.locator("#actions").count()).toBe(1);
    await shot(page, "10-admin");

    await page.selectOption("#rb-to", "prev");
    await page.click("#actions button:has-text('Roll back')");
    await page.waitForSelector("#confirm");
    const plan = (await page.textContent("#confirm")) ?? "";
    expect(plan).toContain("0004_set_default_avatar_url");
    expect(plan).toContain("to 0003_add_user_avatar_url");
    expect(plan).toContain("restore point");
    await shot(page, "11-rollback-confirm");

    // A wrong name does nothing and says so.
    await page.fill("#confirm-name", "some_other_db");
    await page.click("#confirm button[type=submit]");
    await page.waitForSelector("#confirm .error");
    expect(await page.textContent("#confirm .error")).toContain("does not match");
    expect(await page.locator("#history .restore-point").count()).toBe(0);

    await page.fill("#confirm-name", w.db.name);
    await Promise.all([page.waitForURL(/\/migrations\?job=/), page.click("#confirm button[type=submit]")]);
    // The page follows the job by itself and ends amber: 0004 is pending again.
    await page.waitForSelector('#overall[data-state="pending"]', { timeout: 60_000 });
    await page.waitForSelector("#history .restore-point", { timeout: 60_000 });
    const down = page.locator("#history li.event").first();
    expect(await down.textContent()).toContain("down");
    expect(await down.textContent()).toContain("0004_set_default_avatar_url");
    expect(await down.locator(".restore-point").textContent()).toMatch(/Restore point: .+\.dump/);
    expect(await page.textContent("#backups")).toContain("restore-point");
    await shot(page, "12-rolled-back");
  });

  it("refuses actions without the form token, with a wrong one, and from a read-only session", {
    timeout: 90_000,
  }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const page = await newPage();
    await signIn(page, w.api, ADMIN_TOKEN);
    const jobsBefore = await page.locator("#jobs tbody tr").count();
    const url = `${w.api.url}/migrations/actions/backup`;

    const without = await page.request.post(url, { form: {}, maxRedirects: 0 });
    expect(without.status()).toBe(403);
    expect(await without.text()).toContain("Missing or wrong form token");
    const wrong = await page.request.post(url, { form: { csrf: "forged-token" }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);

    // The real token works only with its own session: another session's token is refused.
    const csrf = await page.getAttribute("input[name=csrf]", "value");
    const other = await newPage();
    await signIn(other, w.api, ADMIN_TOKEN);
    const crossed = await other.request.post(url, { form: { csrf: csrf ?? "" }, maxRedirects: 0 });
    expect(crossed.status()).toBe(403);

    const reader = await newPage();
    await signIn(reader, w.api, STATUS_TOKEN);
    const readerCsrf = await reader.getAttribute("input[name=csrf]", "value");
    const asReader = await reader.request.post(url, { form: { csrf: readerCsrf ?? "" }, maxRedirects: 0 });
    expect(asReader.status()).toBe(403);
    expect(await asReader.text()).toContain("ADMIN_TOKEN");

    // Anonymous: no session at all.
    const anon = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `csrf=${csrf}`,
      redirect: "manual",
    });
    expect(anon.status).toBe(401);

    await page.reload();
    expect(await page.locator("#jobs tbody tr").count()).toBe(jobsBefore);

    // With its own token, the same request is accepted: the refusals above were about the token.
    const ok = await page.request.post(url, { form: { csrf: csrf ?? "" }, maxRedirects: 0 });
    expect(ok.status()).toBe(303);
  });

  it("backs up after a plain confirmation and restores only once the database name is typed", {
    timeout: 120_000,
  }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const page = await newPage();
    await signIn(page, w.api, ADMIN_TOKEN);

    await page.click("#actions button:has-text('Back up')");
    await page.waitForSelector("#confirm");
    expect(await page.textContent("#confirm")).toContain("Nothing in the database changes");
    expect(await page.locator("#confirm-name").count()).toBe(0);
    await Promise.all([page.waitForURL(/\/migrations\?job=/), page.click("#confirm button[type=submit]")]);
    await page.waitForSelector("#backups tbody tr", { timeout: 60_000 });
    const backup = (await page.textContent("#backups tbody tr")) ?? "";
    expect(backup).toContain("0004_set_default_avatar_url");
    expect(backup).toContain(w.db.name);

    await page.click("#actions button:has-text('Restore')");
    await page.waitForSelector("#confirm");
    const plan = (await page.textContent("#confirm")) ?? "";
    expect(plan).toContain("Replaces the contents");
    expect(plan).toContain("safety backup");
    await shot(page, "15-restore-confirm");
    // Without the name the browser itself will not submit (required); a wrong one is refused.
    await page.fill("#confirm-name", "nope");
    await page.click("#confirm button[type=submit]");
    await page.waitForSelector("#confirm .error");
    await page.fill("#confirm-name", w.db.name);
    await Promise.all([page.waitForURL(/\/migrations\?job=/), page.click("#confirm button[type=submit]")]);
    await page.waitForFunction(
      () => /restore/.test(document.querySelector("#history li.event")?.textContent ?? ""),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent("#backups")).toContain("safety");
    await shot(page, "16-restored");
  });
});
