import { pgTable, serial, timestamp, varchar } from "drizzle-orm/pg-core";

/** Application users. */
export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  username: varchar("username", { length: 100 }).notNull().unique(),
  email: varchar("email", { length: 120 }).notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow(),
  avatarUrl: varchar("avatar_url", { length: 255 }),
});

/** Categories that users' content is filed under. */
export const categories = pgTable("categories", {
  id: serial("id").primaryKey(),
  name: varchar("name", { length: 50 }).notNull(),
});
