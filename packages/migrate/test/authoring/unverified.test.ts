import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { drizzleKitCheck, projectsPerTest, seedSchema, upAndDown } from "./project.js";

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
});
