import { describe, expect, it } from "vitest";
import { createLogger, redactPaths } from "../src/logger.js";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", destination: { write: (l: string) => lines.push(l) } });
  return { logger, text: () => lines.join("") };
}

describe("the shared logger", () => {
  it("censors every path of the one redaction list", () => {
    const { logger, text } = capture();
    logger.info(
      {
        password: "pw-top",
        databaseUrl: "postgres://u:pw-url@h/d",
        DATABASE_URL: "postgres://u:pw-env@h/d",
        scratchUrl: "postgres://u:pw-scratch@h/d",
        config: { password: "pw-nested", databaseUrl: "postgres://u:pw-nested-url@h/d" },
        req: { headers: { authorization: "Bearer pw-token", cookie: "sid=pw-cookie" } },
      },
      "event",
    );
    expect(text()).not.toMatch(/pw-/);
    expect(text()).toContain("[redacted]");
    expect(redactPaths).toContain("req.headers.authorization");
  });

  it("masks URL passwords in messages and in serialized errors", () => {
    const { logger, text } = capture();
    logger.info("connecting to postgres://admin:hunter2@db:5432/app");
    logger.error({ err: new Error("cannot reach redis://:hunter2@cache:6379") }, "failed");
    expect(text()).not.toContain("hunter2");
    expect(text()).toContain("postgres://admin:***@db:5432/app");
    expect(text()).toContain("redis://:***@cache:6379");
  });
});
