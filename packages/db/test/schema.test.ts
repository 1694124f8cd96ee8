import { getTableConfig } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { migrationsDir, schema } from "../src/index.js";

describe("seed schema", () => {
  it("declares users with a unique username of up to 100 characters", () => {
    const cfg = getTableConfig(schema.users);
    const username = cfg.columns.find((c) => c.name === "username");
    expect(username?.getSQLType()).toBe("varchar(100)");
    expect(username?.isUnique).toBe(true);
    expect(migrationsDir).toMatch(/packages\/db\/migrations$/);
  });
});
