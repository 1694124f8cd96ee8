/// <reference lib="dom" />
// page.evaluate callbacks run in the browser, so these files see the DOM types.
import { addMigration, eventually } from "@tidemark/testkit";
import { waitForReady } from "@tidemark/testkit/processes";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, createWorld, newPage, STATUS_TOKEN, shot, signIn } from "./support/world.js";

const PENDING = {
  tag: "0005_add_user_nickname",
  // The index is built without CONCURRENTLY, which lint flags.
  up: 'ALTER TABLE "users" ADD COLUMN "nickname" varchar(40);\n--> statement-breakpoint\nCREATE INDEX "users_nickname_idx" ON "users" ("nickname");\n',
  down: 'ALTER TABLE "users" DROP COLUMN "nickname";\n',
};

describe("dashboard: what each viewer sees", () => {
  it("shows an up-to-date database in green", { timeout: 60_000 }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const page = await newPage();
    await page.goto(`${w.api.url}/migrations`);
    expect(await page.getAttribute("#overall", "data-state")).toBe("ok");
    expect(await page.textContent("#overall")).toContain("Up to date");
    // The colour is the green of the stylesheet, so the CSS was served and allowed by the CSP.
    const colour = await page.$eval("#overall h2", (el) => getComputedStyle(el).color);
    expect(colour).toBe("rgb(30, 123, 52)");
    await shot(page, "01-up-to-date");

    await signIn(page, w.api, STATUS_TOKEN);
    expect(await page.getAttribute("#overall", "data-state")).toBe("ok");
    expect(await page.textContent("#tables")).toContain("public.users");
    await shot(page, "02-up-to-date-signed-in");
  });

  it("shows a pending migration in amber with its SQL to a reader, who gets no buttons; anonymous viewers see neither SQL nor tables", {
    timeout: 60_000,
  }, async () => {
    const w = await createWorld({
      env: { MIGRATE_ON_BOOT: "off" },
      prepare: ({ migrationsDir }) => addMigration(migrationsDir, PENDING.tag, PENDING.up, PENDING.down),
    });
    // Bring the database to 0004 so exactly one migration is pending.
    await w.api.fetch("/migrations/jobs", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "upgrade", payload: { to: "0004" } }),
    });
    const anon = await newPage();
    await eventually(async () => {
      await anon.goto(`${w.api.url}/migrations`);
      return (await anon.textContent("#overall"))?.includes("1 migration pending");
    }, "the dashboard to show one pending migration");
    expect(await anon.getAttribute("#overall", "data-state")).toBe("pending");
    const anonText = (await anon.textContent("body")) ?? "";
    expect(anonText).toContain(PENDING.tag);
    expect(anonText).not.toContain("users");
    expect(anonText).not.toContain("ALTER TABLE");
    expect(await anon.locator("pre").count()).toBe(0);
    await shot(anon, "03-pending-anonymous");

    const reader = await newPage();
    await signIn(reader, w.api, STATUS_TOKEN);
    expect(await reader.getAttribute("#overall", "data-state")).toBe("pending");
    const colour = await reader.$eval("#overall h2", (el) => getComputedStyle(el).color);
    expect(colour).toBe("rgb(138, 90, 0)");
    const details = reader.locator(`details[data-revision="${PENDING.tag}"]`);
    await details.locator("summary").click();
    expect(await details.locator("pre.sql").textContent()).toContain(
      'ALTER TABLE "users" ADD COLUMN "nickname"',
    );
    expect(await details.textContent()).toContain("down file present");
    expect(await details.locator("ul.lint").textContent()).toContain("create-index-not-concurrently");
    expect(await reader.locator("#actions").count()).toBe(0);
    expect(await reader.locator("form[action^='/migrations/confirm']").count()).toBe(0);
    await shot(reader, "04-pending-reader");

    // The reader cannot reach a confirmation page either.
    const res = await reader.goto(`${w.api.url}/migrations/confirm/upgrade`);
    expect(res?.status()).toBe(403);
  });

  it("is readable at phone width, follows a dark system setting and works with the keyboard alone", {
    timeout: 60_000,
  }, async () => {
    const w = await createWorld({
      env: { MIGRATE_ON_BOOT: "off" },
      prepare: ({ migrationsDir }) => addMigration(migrationsDir, PENDING.tag, PENDING.up, PENDING.down),
    });
    const page = await newPage({ width: 390, height: 844, colorScheme: "dark" });
    await page.goto(`${w.api.url}/migrations`);
    // Sign in without the mouse: Tab to the token field, type, Enter.
    for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.id === "token")); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.type(STATUS_TOKEN);
    await Promise.all([page.waitForSelector("#tables"), page.keyboard.press("Enter")]);
    const summary = `details[data-revision="${PENDING.tag}"] summary`;
    for (let i = 0; i < 20 && !(await page.$eval(summary, (el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    expect(
      await page.$eval(`details[data-revision="${PENDING.tag}"]`, (el) => (el as HTMLDetailsElement).open),
    ).toBe(true);
    // Nothing wider than the phone: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.$eval("body", (el) => getComputedStyle(el).backgroundColor)).toBe("rgb(18, 20, 22)");
    await shot(page, "13-phone-dark-keyboard");
  });

  it("refuses a wrong token and a token in the URL, and redirects a browser from /migrations/status", {
    timeout: 60_000,
  }, async () => {
    const w = await createWorld();
    await waitForReady(w.api);
    const page = await newPage();
    await page.goto(`${w.api.url}/migrations`);
    await page.fill("#token", "not-the-token-at-all-0123456789");
    await page.click("#signin button[type=submit]");
    await page.waitForSelector("#signin .error");
    expect(await page.textContent("#signin .error")).toContain("Wrong token");
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain("tidemark_session");
    expect(await page.locator("#tables").count()).toBe(0);
    await shot(page, "05-wrong-token");

    const inUrl = await page.goto(`${w.api.url}/migrations?token=${ADMIN_TOKEN}`);
    expect(inUrl?.status()).toBe(400);
    expect(await page.textContent("body")).toContain("Tokens never go in URLs");
    expect(await page.locator("#tables").count()).toBe(0);

    const html = await w.api.fetch("/migrations/status", {
      headers: { accept: "text/html" },
      redirect: "manual",
    });
    expect(html.status).toBe(303);
    expect(html.headers.get("location")).toBe("/migrations");
    const json = await w.api.fetch("/migrations/status", { headers: { accept: "application/json" } });
    expect(json.status).toBe(200);
    const csp = (await w.api.fetch("/migrations")).headers.get("content-security-policy");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
  });
});
