import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Metrics } from "../metrics.js";
import { Type } from "../type.js";

/** `GET /metrics` in the Prometheus text format. */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["health"],
        summary: "Prometheus metrics: revision, pending count, migration durations, job outcomes",
        response: { 200: Type.String() },
      },
    },
    async (_req, reply) => {
      const { text, contentType } = await metrics.scrape();
      return reply.type(contentType).send(text);
    },
  );
};
