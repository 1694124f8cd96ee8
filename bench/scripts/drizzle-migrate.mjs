// A whole-process drizzle-orm migrate(): what a drizzle user runs at deploy time. The benches
// time it as the baseline for `tidemark upgrade` and `tidemark status`.
//   DATABASE_URL=… node bench/scripts/drizzle-migrate.mjs <migrations folder>
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

const sql = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
await migrate(drizzle(sql), { migrationsFolder: process.argv[2] });
await sql.end();
