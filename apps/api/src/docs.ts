import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from "fastify";
import { lazySchemaCompilers } from "./lazy-compilers.js";

/** The OpenAPI document's header, as `@fastify/swagger` takes it. */
const OPENAPI = {
  info: {
    title: "Tidemark API",
    version: "0.1.0",
    description: "Migration status, jobs and the seed schema",
  },
  components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
} as const;

const PREFIX = "/docs";

/** What the OpenAPI document is built from: each route's method, URL, schema and config. */
type Documented = Pick<RouteOptions, "method" | "url" | "schema" | "config">;

/** Headers of the inner answer that belong to its own connection, not to ours. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "date", "content-length"]);

/**
 * `/docs` (Swagger UI) and `/docs/json`, `/docs/yaml`: built by `@fastify/swagger` and
 * `@fastify/swagger-ui` as before, but on the first request. Why: the two plugins and YAML
 * are about 100 modules a cold boot does not need. Every route is recorded as it is added;
 * the first `/docs…` request builds a private Fastify instance with the two plugins and the
 * same routes (handlers never run), and every `/docs…` request is answered by it. Register
 * this before any route.
 */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const routes: Documented[] = [];
  app.addHook("onRoute", (route) => {
    // HEAD twins are added by Fastify itself (and left out of the document, as before).
    if (route.method === "HEAD" || route.url === PREFIX || route.url.startsWith(`${PREFIX}/`)) return;
    routes.push({ method: route.method, url: route.url, schema: route.schema, config: route.config });
  });

  let inner: Promise<FastifyInstance> | null = null;
  const docs = () => {
    inner ??= buildDocsApp(routes).catch((err: unknown) => {
      inner = null;
      throw err;
    });
    return inner;
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const res = await (await docs()).inject({
      // Fastify answers HEAD itself from the GET answer (its length, no body).
      method: (req.method === "HEAD" ? "GET" : req.method) as HTTPMethods,
      url: req.raw.url ?? req.url,
      headers: req.headers,
    });
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) reply.header(name, value);
    }
    reply.code(res.statusCode);
    // An empty answer (a redirect) is sent as one, without a made-up content type.
    return res.rawPayload.length > 0 ? reply.send(res.rawPayload) : reply.send();
  };
  app.get(PREFIX, serve);
  app.get(`${PREFIX}/*`, serve);
}

async function buildDocsApp(routes: Documented[]): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import("fastify"),
    import("@fastify/swagger"),
    import("@fastify/swagger-ui"),
  ]);
  const docs = Fastify({ schemaController: lazySchemaCompilers() });
  await docs.register(swagger, { openapi: OPENAPI });
  await docs.register(swaggerUi, { routePrefix: PREFIX });
  const never = async () => {
    throw new Error("the documentation instance serves no route but its own");
  };
  for (const route of routes) docs.route({ ...route, handler: never });
  await docs.ready();
  return docs;
}
