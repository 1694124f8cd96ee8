import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Boot } from "../boot.js";
import type { DemoDb } from "../demo-db.js";
import { notFound, one } from "../errors.js";
import { requireReady } from "../ready-guard.js";
import { DateTime, errorResponses, IdParams, PageQuery, perClientLimit } from "../schemas.js";
import { Type } from "../type.js";

const User = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  email: Type.String(),
  createdAt: Type.Union([DateTime, Type.Null()]),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
});

const fields = {
  username: Type.String({ minLength: 1, maxLength: 100, pattern: "\\S" }),
  email: Type.String({ format: "email", maxLength: 120 }),
  avatarUrl: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]),
};

const CreateUser = Type.Object(
  { username: fields.username, email: fields.email, avatarUrl: Type.Optional(fields.avatarUrl) },
  { additionalProperties: false },
);

const UpdateUser = Type.Object(
  {
    username: Type.Optional(fields.username),
    email: Type.Optional(fields.email),
    avatarUrl: Type.Optional(fields.avatarUrl),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** CRUD on `users` (seed schema); 503 until migrated, 409 on a taken username or email. */
export const userRoutes: FastifyPluginAsyncTypebox<{
  demo: DemoDb;
  boot: Boot;
  rateLimitPerMinute: number;
}> = async (app, { demo, boot, rateLimitPerMinute }) => {
  app.addHook("onRequest", requireReady(boot));
  const tags = ["users"];

  app.get(
    "/users",
    {
      config: perClientLimit(rateLimitPerMinute),
      schema: {
        tags,
        querystring: PageQuery,
        response: { 200: Type.Object({ items: Type.Array(User) }), ...errorResponses },
      },
    },
    async (req) => {
      const { db, users, asc } = await demo.get();
      return {
        items: await db
          .select()
          .from(users)
          .orderBy(asc(users.id))
          .limit(req.query.limit)
          .offset(req.query.offset),
      };
    },
  );

  app.get(
    "/users/:id",
    { schema: { tags, params: IdParams, response: { 200: User, ...errorResponses } } },
    async (req) => {
      const { db, users, eq } = await demo.get();
      const [row] = await db.select().from(users).where(eq(users.id, req.params.id));
      if (!row) throw notFound("user", req.params.id);
      return row;
    },
  );

  app.post(
    "/users",
    { schema: { tags, body: CreateUser, response: { 201: User, ...errorResponses } } },
    async (req, reply) => {
      const { db, users } = await demo.get();
      const row = one(await db.insert(users).values(req.body).returning());
      return reply.code(201).send(row);
    },
  );

  app.patch(
    "/users/:id",
    { schema: { tags, params: IdParams, body: UpdateUser, response: { 200: User, ...errorResponses } } },
    async (req) => {
      const { db, users, eq } = await demo.get();
      const [row] = await db.update(users).set(req.body).where(eq(users.id, req.params.id)).returning();
      if (!row) throw notFound("user", req.params.id);
      return row;
    },
  );

  app.delete(
    "/users/:id",
    { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const { db, users, eq } = await demo.get();
      const [row] = await db.delete(users).where(eq(users.id, req.params.id)).returning({ id: users.id });
      if (!row) throw notFound("user", req.params.id);
      return reply.code(204).send(null);
    },
  );
};
