import { describe, expect, it } from "vitest";
import type { PlannedDrop } from "../../src/authoring/drops.js";
import { isTidemarkError, TidemarkError } from "../../src/errors.js";
import { lintRules } from "../../src/lint/index.js";
import { folderContents, projectsPerTest, seedSchema } from "./project.js";

const { project } = projectsPerTest();

/** The seed schema without users.avatar_url and without the categories table. */
const withoutAvatarAndCategories = seedSchema()
  .replace(/\n {2}avatarUrl: [^\n]*/, "")
  .replace(/export const categories[\s\S]*?\n\}\);\n/, "");

describe("create and drops the running code may still read", () => {
  it("refuses to write a drop unless allowed or confirmed, naming each drop, and writes nothing", async () => {
    const p = await project();
    await p.writeSchema(withoutAvatarAndCategories);
    const before = await folderContents(p.migrationsDir);
    const err = await p.create("Drop avatar and categories").catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_REFUSED");
    const message = (err as Error).message;
    expect(message).toContain("DROP TABLE categories, DROP COLUMN users.avatar_url");
    expect(message).toContain("--allow-drop");
    expect(message).toContain("Nothing was written");
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("asks confirmDrops with the drops and writes nothing when it refuses", async () => {
    const p = await project();
    await p.writeSchema(withoutAvatarAndCategories);
    const before = await folderContents(p.migrationsDir);
    const asked: PlannedDrop[][] = [];
    const err = await p
      .create("Drop avatar and categories", {
        confirmDrops: async (drops) => {
          asked.push(drops);
          throw new TidemarkError("TM_ABORTED", "Not confirmed.");
        },
      })
      .catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_ABORTED");
    expect(asked).toEqual([
      [
        { kind: "table", name: "categories" },
        { kind: "column", name: "users.avatar_url" },
      ],
    ]);
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });

  it("writes the drop once confirmed, and never asks about a rename or an added column", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ emailColumn: "email_address", usersExtra: '\n  bio: text("bio"),' }));
    const confirmDrops = async () => {
      throw new Error("no drop here, so confirmDrops must not be called");
    };
    const renamed = await p.create("Rename email, add bio", {
      renames: { columns: { "users.email": "email_address" } },
      confirmDrops,
    });
    expect(renamed.status).toBe("created");

    await p.writeSchema(seedSchema({ emailColumn: "email_address" }));
    let asked = 0;
    const dropped = await p.create("Drop bio", {
      confirmDrops: async () => {
        asked += 1;
      },
    });
    expect(asked).toBe(1);
    expect(dropped.upSql).toEqual(['ALTER TABLE "users" DROP COLUMN "bio";']);
  });

  it("gives lint advice for drops that is the flow create supports", () => {
    for (const code of ["drop-table", "drop-column"]) {
      const rule = lintRules.find((r) => r.code === code);
      expect(rule?.fix).toContain("deploy that code without creating a migration");
      expect(rule?.fix).toContain("--allow-drop");
      expect(rule?.fix).toContain("pnpm cli upgrade");
    }
  });
});
