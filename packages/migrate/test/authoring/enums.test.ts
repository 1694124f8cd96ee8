import { describe, expect, it } from "vitest";
import { projectsPerTest, query, seedSchema, upAndDown } from "./project.js";

const { project } = projectsPerTest();

/** The seed schema with a `role` enum on users (and an array of it), default `def`. */
function withRoles(values: string[], def: string): string {
  const list = values.map((v) => JSON.stringify(v)).join(", ");
  return seedSchema({
    usersExtra: `\n  role: roleEnum("role").notNull().default("${def}"),\n  pastRoles: roleEnum("past_roles").array(),`,
  })
    .replace("import {", "import { pgEnum,")
    .replace(
      "export const users",
      `export const roleEnum = pgEnum("role", [${list}]);\n\nexport const users`,
    );
}

describe("create when an enum loses a value", () => {
  it("recreates the type in the down when the down uses the value again, and proves both ways with data", async () => {
    const p = await project();
    await p.writeSchema(withRoles(["admin", "member", "guest"], "member"));
    const added = await p.create("Add roles");
    await p.writeSchema(withRoles(["admin", "guest"], "admin"));
    const result = await p.create("Drop member role");
    expect(result).toMatchObject({ status: "created", validated: true });
    expect(result.downSql.join("\n")).not.toContain("ADD VALUE");
    expect(result.downSql).toContain(`CREATE TYPE "public"."role" AS ENUM('admin', 'member', 'guest');`);
    expect(result.downSql).toContain(
      `ALTER TABLE "users" ALTER COLUMN "past_roles" SET DATA TYPE "public"."role"[] USING "past_roles"::text[]::"public"."role"[];`,
    );

    const seen: unknown[] = [];
    const read = async (url: string) => {
      seen.push(await query(url, "select role::text, past_roles::text from users order by id"));
    };
    const run = await upAndDown(p.migrationsDir, added.revision ?? "", {
      beforeUp: (url) =>
        query(
          url,
          `insert into users (username, email, role, past_roles) values ('a', 'a@x', 'admin', '{guest}')`,
        ).then(() => {}),
      afterUp: read,
      afterDown: async (url) => {
        await read(url);
        // The value is usable again after the down, as the default.
        await query(url, "insert into users (username, email) values ('b', 'b@x')");
        seen.push(await query(url, "select role::text from users where username = 'b'"));
      },
    });
    expect(run.restored).toBe(run.before);
    expect(seen).toEqual([
      [{ role: "admin", past_roles: "{guest}" }],
      [{ role: "admin", past_roles: "{guest}" }],
      [{ role: "member" }],
    ]);
  });

  it("keeps drizzle-kit's ADD VALUE in the down when nothing in the down uses the value", async () => {
    const p = await project();
    await p.writeSchema(withRoles(["admin", "member", "guest"], "admin"));
    await p.create("Add roles");
    await p.writeSchema(withRoles(["admin", "member"], "admin"));
    const result = await p.create("Drop guest role");
    expect(result.downSql).toEqual([`ALTER TYPE "public"."role" ADD VALUE 'guest';`]);
  });
});
