import {
  createEngineContext,
  type EngineConfig,
  type EngineContext,
  type Logger,
  processActor,
} from "@tidemark/migrate";

/** The engine context of one job: its actor carries the job id, so `tidemark.history` names it. */
export function jobContext(
  config: EngineConfig,
  jobId: string,
  logger: Logger,
  requestedBy?: Record<string, unknown>,
): EngineContext {
  return createEngineContext(config, processActor("worker", { jobId, requestedBy }), logger);
}
