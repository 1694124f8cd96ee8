import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isTidemarkError } from "../../src/errors.js";
import { drizzleKitCheck, folderContents, projectsPerTest, seedSchema, upAndDown } from "./project.js";

const { project } = projectsPerTest();

describe("create when the generated down fails on the scratch database", () => {
  it("writes the proven up and marks the down for hand-editing, naming the statement, line and reason", async () => {
    const p = await project();
    await p.writeSchema(seedSchema({ usersExtra: '\n  score: integer("score"),' }));
    const added = await p.create("Add score");
    // integer → text converts on its own; drizzle-kit's reverse (text → integer) needs a USING.
    await p.writeSchema(seedSchema({ usersExtra: '\n  score: text("score"),' }));
    const result = await p.create("Score as text");
    expect(result).toMatchObject({ status: "created", revision: "0006_score_as_text", validated: false });
    const downFile = path.join(p.migrationsDir, "0006_score_as_text.down.sql");
    expect(result.files).toContain(downFile);
    expect(result.unverifiedDown).toMatchObject({ file: downFile, statement: 1, line: 2 });
    expect(result.unverifiedDown?.error).toContain(
      'column "score" cannot be cast automatically to type integer',
    );

    const down = await readFile(downFile, "utf8");
    const [marker, ...rest] = down.split("\n");
    expect(marker).toBe(`-- tidemark:unverified ${result.unverifiedDown?.reason}`);
    expect(marker).toContain("statement 1 (line 2)");
    expect(rest.join("\n")).toBe('ALTER TABLE "users" ALTER COLUMN "score" SET DATA TYPE integer;');
    expect(await drizzleKitCheck(p.migrationsDir)).toContain("Everything's fine");

    // The fix the message asks for: edit the statement, delete the marker line.
    await writeFile(
      downFile,
      'ALTER TABLE "users" ALTER COLUMN "score" SET DATA TYPE integer USING "score"::integer;',
    );
    const run = await upAndDown(p.migrationsDir, added.revision ?? "");
    expect(run.after).toContain("score text");
    expect(run.restored).toBe(run.before);
  });

  it("names the generated up by its bare name when it fails there, never the deleted staging copy", async () => {
    const p = await project();
    await p.writeSchema(
      seedSchema().replace(
        'avatarUrl: varchar("avatar_url", { length: 255 })',
        'avatarUrl: integer("avatar_url")',
      ),
    );
    const before = await folderContents(p.migrationsDir);
    const err = await p.create("Avatar as number").catch((e: unknown) => e);
    expect(isTidemarkError(err) && err.code).toBe("TM_GENERATE_FAILED");
    const message = (err as Error).message;
    expect(message).toContain("of 0005_avatar_as_number.sql)");
    expect(message).toContain("cannot be cast automatically to type integer");
    expect(message).not.toContain(tmpdir());
    expect(await folderContents(p.migrationsDir)).toEqual(before);
  });
});
