import type { RenameQuestion } from "@tidemark/migrate";
import { describe, expect, it } from "vitest";
import { renameChoices } from "../src/prompts.js";

const column: RenameQuestion = {
  kind: "column",
  table: "posts",
  created: "headline",
  candidates: ["title"],
  droppedIfCreated: ["title"],
};

describe("the rename prompt's answers", () => {
  it("preselects the rename, and says that creating drops the old column with its data", () => {
    const { options, initialValue } = renameChoices(column);
    expect(initialValue).toBe("title");
    expect(options).toEqual([
      { value: "title", label: "rename posts.title → posts.headline", hint: "keeps its data" },
      {
        value: "",
        label: "create posts.headline as a new empty column and DROP posts.title with its data",
        hint: "data loss",
      },
    ]);
  });

  it("says which tables are dropped with their rows when a new table is created", () => {
    const { options, initialValue } = renameChoices({
      kind: "table",
      created: "topics",
      candidates: ["categories", "tags"],
      droppedIfCreated: ["categories", "tags"],
    });
    expect(initialValue).toBe("categories");
    expect(options.map((o) => o.label)).toEqual([
      "rename categories → topics",
      "rename tags → topics",
      "create topics as a new empty table and DROP categories, tags with all their rows",
    ]);
  });

  it("does not claim a drop while a later new column can still take over the old one", () => {
    const { options } = renameChoices({ ...column, droppedIfCreated: [] });
    expect(options.at(-1)).toEqual({
      value: "",
      label: "create posts.headline as a new empty column",
      hint: "posts.title can still be renamed to a later new column; otherwise it is dropped with its data",
    });
  });
});
