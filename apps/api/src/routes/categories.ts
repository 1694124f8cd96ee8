import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Boot } from "../boot.js";
import type { DemoDb } from "../demo-db.js";
import { notFound, one } from "../errors.js";
import { requireReady } from "../ready-guard.js";
import { errorResponses, IdParams, PageQuery, perClientLimit } from "../schemas.js";
import { Type } from "../type.js";

const Category = Type.Object({ id: Type.Integer(), name: Type.String() });

const CategoryInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 50, pattern: "\\S" }) },
  { additionalProperties: false },
);

/** CRUD on `categories` (seed schema); 503 until migrated. */
export const categoryRoutes: FastifyPluginAsyncTypebox<{
  demo: DemoDb;
  boot: Boot;
  rateLimitPerMinute: number;
}> = async (app, { demo, boot, rateLimitPerMinute }) => {
  app.addHook("onRequest", requireReady(boot));
  const tags = ["categories"];

  app.get(
    "/categories",
    {
      config: perClientLimit(rateLimitPerMinute),
      schema: {
        tags,
        querystring: PageQuery,
        response: { 200: Type.Object({ items: Type.Array(Category) }), ...errorResponses },
      },
    },
    async (req) => {
      const { db, categories, asc } = await demo.get();
      return {
        items: await db
          .select()
          .from(categories)
          .orderBy(asc(categories.id))
          .limit(req.query.limit)
          .offset(req.query.offset),
      };
    },
  );

  app.get(
    "/categories/:id",
    { schema: { tags, params: IdParams, response: { 200: Category, ...errorResponses } } },
    async (req) => {
      const { db, categories, eq } = await demo.get();
      const [row] = await db.select().from(categories).where(eq(categories.id, req.params.id));
      if (!row) throw notFound("category", req.params.id);
      return row;
    },
  );

  app.post(
    "/categories",
    { schema: { tags, body: CategoryInput, response: { 201: Category, ...errorResponses } } },
    async (req, reply) => {
      const { db, categories } = await demo.get();
      const row = one(await db.insert(categories).values(req.body).returning());
      return reply.code(201).send(row);
    },
  );

  app.put(
    "/categories/:id",
    {
      schema: { tags, params: IdParams, body: CategoryInput, response: { 200: Category, ...errorResponses } },
    },
    async (req) => {
      const { db, categories, eq } = await demo.get();
      const [row] = await db
        .update(categories)
        .set(req.body)
        .where(eq(categories.id, req.params.id))
        .returning();
      if (!row) throw notFound("category", req.params.id);
      return row;
    },
  );

  app.delete(
    "/categories/:id",
    { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const { db, categories, eq } = await demo.get();
      const [row] = await db
        .delete(categories)
        .where(eq(categories.id, req.params.id))
        .returning({ id: categories.id });
      if (!row) throw notFound("category", req.params.id);
      return reply.code(204).send(null);
    },
  );
};
