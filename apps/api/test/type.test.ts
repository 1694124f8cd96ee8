import { Type as TypeBox } from "typebox";
import { describe, expect, it } from "vitest";
import { Type } from "../src/type.js";

// The API builds its schemas without loading TypeBox (src/type.ts); they must stay TypeBox's.
describe("Type", () => {
  it("builds the JSON Schema TypeBox builds, key order included", () => {
    const build = (T: typeof Type) =>
      T.Object(
        {
          s: T.String({ format: "date-time", minLength: 1 }),
          i: T.Optional(T.Integer({ minimum: 1, default: 5 })),
          n: T.Number(),
          b: T.Boolean({ description: "flag" }),
          u: T.Union([T.Literal("a"), T.Literal(3), T.Literal(true), T.Null()], { description: "u" }),
          a: T.Array(T.String(), { maxItems: 3 }),
          r: T.Optional(T.Record(T.String(), T.Unknown())),
          x: T.Unknown({ description: "anything" }),
          f: T.Unsafe<Date | string>(T.String({ format: "date-time" })),
          o: T.Object({ only: T.Optional(T.String()) }),
        },
        { additionalProperties: false },
      );
    expect(JSON.stringify(build(Type))).toBe(JSON.stringify(build(TypeBox as unknown as typeof Type)));
  });
});
