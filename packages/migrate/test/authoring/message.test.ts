import { describe, expect, it } from "vitest";
import { slugMessage } from "../../src/authoring/message.js";

describe("slugMessage", () => {
  it("turns a sentence into the snake_case part of the tag", () => {
    expect(slugMessage("Add user avatar URL")).toBe("add_user_avatar_url");
    expect(slugMessage("  Increase username length!  ")).toBe("increase_username_length");
  });

  it("keeps letters of accented words and drops punctuation runs", () => {
    expect(slugMessage("Ajouter l'été — v2")).toBe("ajouter_l_ete_v2");
  });

  it("accepts exactly 100 characters and refuses 101", () => {
    expect(slugMessage("a".repeat(100))).toBe("a".repeat(100));
    expect(() => slugMessage("a".repeat(101))).toThrow(/keep it to 100/);
  });
});
