import { upgrade } from "@tidemark/migrate";
import { memoryLogger } from "@tidemark/testkit";

/** Bring a target to `to` in-process: setup for a case (the cases drive the real processes). */
export async function migrateTo(url: string, migrationsDir: string, to: string): Promise<void> {
  await upgrade(
    {
      databaseUrl: url,
      migrationsDir,
      environment: "fleet-e2e",
      actor: { via: "test", host: "fleet-e2e", pid: process.pid },
      logger: memoryLogger(),
    },
    { to },
  );
}
