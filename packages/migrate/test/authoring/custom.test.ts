import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { drizzleKitCheck, projectsPerTest, query, upAndDown } from "./project.js";

const LAST_SEED = "0004_set_default_avatar_url";
const { project } = projectsPerTest();

async function readJson(file: string) {
  return JSON.parse(await readFile(file, "utf8"));
}

/** The snapshot without its identity: what must equal the previous one for custom migrations. */
function content(snapshot: Record<string, unknown>) {
  const { id: _id, prevId: _prevId, ...rest } = snapshot;
  return rest;
}

describe("create --custom", () => {
  it("writes a commented SQL template and down, copies the previous snapshot, and runs as a no-op", async () => {
    const p = await project();
    const result = await p.create("Backfill avatars", { custom: true });
    expect(result).toMatchObject({ status: "created", revision: "0005_backfill_avatars", validated: false });
    const up = await readFile(path.join(p.migrationsDir, "0005_backfill_avatars.sql"), "utf8");
    const down = await readFile(path.join(p.migrationsDir, "0005_backfill_avatars.down.sql"), "utf8");
    expect(up).toContain("statement-breakpoint");
    expect(up).toContain("-- tidemark:env production");
    expect(up).toContain("-- tidemark:no-transaction");
    expect(up).not.toContain("--> statement-breakpoint");
    expect(up.split("\n")[0]).toBe("-- Migration: Backfill avatars");
    expect(down).toContain("reverses 0005_backfill_avatars.sql");

    const previous = await readJson(path.join(p.migrationsDir, "meta/0004_snapshot.json"));
    const snapshot = await readJson(path.join(p.migrationsDir, "meta/0005_snapshot.json"));
    expect(snapshot.prevId).toBe(previous.id);
    expect(snapshot.id).not.toBe(previous.id);
    expect(content(snapshot)).toEqual(content(previous));

    const run = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(run.up.steps.map((s) => s.revision)).toEqual(["0005_backfill_avatars"]);
    expect(run.up.steps[0]?.statements).toBe(0);
    expect(run.after).toBe(run.before);
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");
  });

  it("runs hand-written blocks, the production-only one only in production, and their down", async () => {
    const p = await project();
    const result = await p.create("Tidy users", { custom: true });
    const [upFile, downFile] = result.files;
    await writeFile(
      upFile as string,
      [
        `UPDATE "users" SET "avatar_url" = '/default-avatar.png' WHERE "avatar_url" IS NULL;`,
        `-- tidemark:env production\nUPDATE "users" SET "username" = upper("username");`,
      ].join("\n--> statement-breakpoint\n"),
    );
    await writeFile(
      downFile as string,
      [
        `-- tidemark:env production\nUPDATE "users" SET "username" = lower("username");`,
        `UPDATE "users" SET "avatar_url" = NULL WHERE "avatar_url" = '/default-avatar.png';`,
      ].join("\n--> statement-breakpoint\n"),
    );
    const seen: Record<string, unknown[]> = {};
    for (const environment of ["staging", "production"]) {
      await upAndDown(p.migrationsDir, LAST_SEED, {
        environment,
        beforeUp: (url) =>
          query(url, "insert into users (username, email) values ('ann', 'a@x')").then(() => {}),
        afterUp: async (url) => {
          seen[environment] = await query(url, "select username, avatar_url from users");
        },
        afterDown: async (url) => {
          seen[`${environment} after down`] = await query(url, "select username, avatar_url from users");
        },
      });
    }
    expect(seen.staging).toEqual([{ username: "ann", avatar_url: "/default-avatar.png" }]);
    expect(seen.production).toEqual([{ username: "ANN", avatar_url: "/default-avatar.png" }]);
    expect(seen["staging after down"]).toEqual([{ username: "ann", avatar_url: null }]);
    expect(seen["production after down"]).toEqual([{ username: "ann", avatar_url: null }]);
  });
});

describe("create --ts", () => {
  it("writes a TypeScript migration the engine runs with ctx.sql, ctx.env and ctx.log", async () => {
    const p = await project();
    const result = await p.create("Backfill avatars in code", { ts: true });
    const file = path.join(p.migrationsDir, "0005_backfill_avatars_in_code.ts");
    expect(result.files).toContain(file);
    expect(result.files).toContain(path.join(p.migrationsDir, "0005_backfill_avatars_in_code.sql"));
    const template = await readFile(file, "utf8");
    expect(template).toContain("export async function up(ctx: MigrationContext)");
    expect(template).toContain("export async function down(ctx: MigrationContext)");
    expect(template).toContain('if (ctx.env === "production")');
    const journal = await readJson(path.join(p.migrationsDir, "meta/_journal.json"));
    expect(journal.entries.at(-1)).toMatchObject({ idx: 5, tag: "0005_backfill_avatars_in_code" });
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");

    // The template as written is a valid no-op migration.
    const noop = await upAndDown(p.migrationsDir, LAST_SEED);
    expect(noop.after).toBe(noop.before);

    await writeFile(
      file,
      template
        .replace(
          "  void ctx;\n}\n\nexport async function down",
          `  await ctx.sql\`UPDATE "users" SET "avatar_url" = \${"/" + ctx.env + ".png"} WHERE "avatar_url" IS NULL\`;
  ctx.log.info({ env: ctx.env }, "backfilled");
}

export async function down`,
        )
        .replace(/void ctx;\n}\n$/, `await ctx.sql\`UPDATE "users" SET "avatar_url" = NULL\`;\n}\n`),
    );
    const avatars: unknown[] = [];
    const avatar = async (url: string) => {
      avatars.push((await query(url, "select avatar_url from users"))[0]?.avatar_url);
    };
    await upAndDown(p.migrationsDir, LAST_SEED, {
      environment: "production",
      beforeUp: (url) =>
        query(url, "insert into users (username, email) values ('bob', 'b@x')").then(() => {}),
      afterUp: avatar,
      afterDown: avatar,
    });
    expect(avatars).toEqual(["/production.png", null]);
  });
});
