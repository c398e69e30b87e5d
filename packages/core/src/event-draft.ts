import type { GipkitEvent } from '@gipkit/plugin-api';

/**
 * An event before the bus stamps it with `runId` and `at`: what the planner and
 * the run emit, and what the engine's event bus turns into a `GipkitEvent`.
 */
export type EventDraft = GipkitEvent extends infer E ? (E extends GipkitEvent ? Omit<E, 'runId' | 'at'> : never) : never;
