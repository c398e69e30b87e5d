import type { ConnectionMethod } from './model.js';
import type { UnavailableReason, DecisionStatus, PlanSummary, Tier } from './plan.js';

export interface EventBase<T extends string> {
  readonly type: T;
  /** Identifies one plan or run; every event of it carries the same id. */
  readonly runId: string;
  /** ISO-8601 time from the engine's clock. */
  readonly at: string;
}

export type PlanStartedEvent = EventBase<'plan.started'> & {
  readonly job: string;
  readonly vms: number;
  readonly servers: number;
};
export type ProxySelectedEvent = EventBase<'proxy.selected'> & {
  readonly job: string;
  readonly vm: string;
  readonly status: Extract<DecisionStatus, 'assigned' | 'fallback' | 'backup-server'>;
  readonly proxy: string;
  readonly tier: Tier | null;
  readonly connection: ConnectionMethod | null;
  readonly load: number;
};
export type ProxyUnavailableEvent = EventBase<'proxy.unavailable'> & {
  readonly job: string;
  readonly vm: string;
  readonly reasons: readonly UnavailableReason[];
};
export type PlanCompletedEvent = EventBase<'plan.completed'> & {
  readonly job: string;
  readonly summary: PlanSummary;
  readonly durationMs: number;
};

/** Every event gipkit emits. New event or optional field: minor; rename or removal: major. */
export type GipkitEvent = PlanStartedEvent | ProxySelectedEvent | ProxyUnavailableEvent | PlanCompletedEvent;
export type GipkitEventType = GipkitEvent['type'];
export type EventOfType<T extends GipkitEventType> = Extract<GipkitEvent, { type: T }>;

/** Every event type, for catalogues and `ofType` checks. */
export const EVENT_TYPES = ['plan.started', 'proxy.selected', 'proxy.unavailable', 'plan.completed'] as const satisfies readonly GipkitEventType[];
