import { describe, expect, it } from "vitest";
import { jsonErrorOffset } from "../../src/fleet/json-position.js";

/** V8's own offset, where its message gives one. */
function v8Offset(text: string): number | undefined {
  try {
    JSON.parse(text);
  } catch (err) {
    const m = /at position (\d+)/.exec((err as Error).message);
    return m ? Number(m[1]) : undefined;
  }
  throw new Error(`${text} is valid JSON`);
}

describe("jsonErrorOffset", () => {
  it("agrees with V8 wherever V8 reports a position", () => {
    const texts = [
      '{"a":1,}',
      "[1,2",
      '{"a" 1}',
      '{"a":"b\\u00zz"}',
      '{"a":"x\ny"}',
      "[1] x",
      '{"a":-}',
      "[1,\n 2,\n]",
      '{"a": [true, nul]}',
      '"unterminated',
      '{"a":1 "b":2}',
      "[1.]",
    ];
    const compared = texts.filter((t) => v8Offset(t) !== undefined);
    expect(compared.length).toBeGreaterThan(6);
    for (const text of compared) expect(jsonErrorOffset(text), text).toBe(v8Offset(text));
  });

  it("finds the unexpected token V8 only quotes", () => {
    expect(jsonErrorOffset('{"a": x}')).toBe(6);
    expect(jsonErrorOffset("{'a': 1}")).toBe(1);
    expect(jsonErrorOffset('[{"a": 1},\n]')).toBe(11);
    expect(jsonErrorOffset('{"a": [true, nul]}')).toBe(16);
  });
});
