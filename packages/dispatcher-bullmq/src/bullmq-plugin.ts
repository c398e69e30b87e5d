import { API_VERSION, LOGGER, RUN_BUNDLE, RUN_ID, type Plugin } from '@gipkit/plugin-api';
import { BullmqDispatcher, type BullmqDispatcherOptions } from './bullmq-dispatcher.js';

/** The name runs choose it by: `run(input, { dispatcher: BULLMQ_DISPATCHER })`. */
export const BULLMQ_DISPATCHER = 'bullmq';

/**
 * Registers the `bullmq` dispatcher: a run that chooses it hands each task to
 * the agents of the task's server over BullMQ on Redis (`gipkit agent` on each
 * proxy) instead of performing it in this process.
 */
export function bullmqDispatcherPlugin(options: BullmqDispatcherOptions): Plugin {
  return {
    name: '@gipkit/dispatcher-bullmq',
    apiVersion: API_VERSION,
    setup(registry) {
      registry.addDispatcher({
        name: BULLMQ_DISPATCHER,
        useFactory: (resolver) => new BullmqDispatcher({ runId: resolver.get(RUN_ID), bundle: resolver.get(RUN_BUNDLE), logger: resolver.get(LOGGER) }, options),
      });
    },
  };
}
