import type { ConnectionMethod, GuestProcessingFailure, RuntimeComponents } from './model.js';
import type { DeploymentStep, ErrorSummary } from './deployment.js';
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

/** A deployment run of a job starts (after its plan). */
export type JobStartedEvent = EventBase<'job.started'> & {
  readonly job: string;
  readonly vms: number;
  readonly mode: RuntimeComponents;
  readonly bundle: { readonly name: string; readonly version: string };
  readonly onGuestProcessingFailure: GuestProcessingFailure;
  readonly concurrency: { readonly perServer: number; readonly total: number };
};
/** A server begins work on a VM; `load` is the server's task count with this one. */
export type DeploymentStartedEvent = EventBase<'deployment.started'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly role: 'proxy' | 'backup-server';
  readonly load: number;
};
export type DeploymentStepEvent = EventBase<'deployment.step'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly method: ConnectionMethod;
  readonly step: DeploymentStep;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/** A connection attempt failed; `reconnect` says one reconnect attempt follows (the session dropped). */
export type ConnectionFailedEvent = EventBase<'connection.failed'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly method: ConnectionMethod;
  readonly cause: ErrorSummary;
  readonly reconnect: boolean;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/** An SSH host key was trusted on first use (and recorded). */
export type HostKeyTrustedEvent = EventBase<'connection.host-key-trusted'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly endpoint: string;
  readonly algorithm: string;
  readonly fingerprint: string;
  readonly knownHostsFile?: string;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/** The proxy could not connect with any allowed method; the backup server takes over for this VM. */
export type FailoverStartedEvent = EventBase<'failover.started'> & {
  readonly job: string;
  readonly vm: string;
  readonly from: string;
  readonly to: string;
  readonly cause: ErrorSummary;
};
export type FailoverSucceededEvent = EventBase<'failover.succeeded'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly method: ConnectionMethod;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
export type FailoverFailedEvent = EventBase<'failover.failed'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly cause: ErrorSummary;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/** Terminal: the runtime components run in the guest. */
export type DeploymentSucceededEvent = EventBase<'deployment.succeeded'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string;
  readonly method: ConnectionMethod;
  readonly mode: RuntimeComponents;
  readonly location: string;
  readonly version: string;
  readonly reused: boolean;
  readonly failedOver: boolean;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/**
 * Terminal: guest processing failed. `outcome` is what the job's
 * `onGuestProcessingFailure` makes of it: the VM fails, or it is backed up
 * crash-consistently. `step` is where it failed (`select`: the plan gave it no
 * proxy; `queue`: the run was cancelled before it started).
 */
export type DeploymentFailedEvent = EventBase<'deployment.failed'> & {
  readonly job: string;
  readonly vm: string;
  readonly server: string | null;
  readonly step: DeploymentStep | 'select' | 'queue';
  readonly outcome: 'failed' | 'crash-consistent';
  readonly cause: ErrorSummary;
  /** The agent that did the work, when a remote dispatcher's agent did it (absent in process). */
  readonly agent?: string;
};
/** Terminal: the job does no guest processing, so nothing is deployed into this VM. */
export type DeploymentSkippedEvent = EventBase<'deployment.skipped'> & {
  readonly job: string;
  readonly vm: string;
  readonly reason: 'not-required';
};
export interface CleanupFailure {
  readonly vm: string;
  readonly server: string;
  readonly location: string;
  readonly cause: ErrorSummary;
}
/** Non-persistent components were removed at job end; every failure is listed. */
export type CleanupCompletedEvent = EventBase<'cleanup.completed'> & {
  readonly job: string;
  readonly removed: number;
  readonly failures: readonly CleanupFailure[];
  /** Persistent deployments, which a job never removes. */
  readonly kept: number;
  /** Leftovers of earlier runs that crashed (non-persistent components gipkit left on guests), found and removed by this run's deployments. */
  readonly stale: number;
  readonly durationMs: number;
};
export interface RunCounts {
  readonly succeeded: number;
  /** Succeeded through the backup server after the proxy could not connect (also counted in `succeeded`). */
  readonly failedOver: number;
  readonly failed: number;
  readonly crashConsistent: number;
  readonly skipped: number;
}
export type JobCompletedEvent = EventBase<'job.completed'> & {
  readonly job: string;
  readonly counts: RunCounts;
  /** By the server that did the work (the last one tried for failed VMs), in inventory order. */
  readonly perServer: Readonly<Record<string, RunCounts>>;
  readonly durationMs: number;
  readonly cancelled: boolean;
  /** Every VM ended in success or in its job's accepted outcome (crash-consistent when the job continues), and cleanup had no failure. */
  readonly accepted: boolean;
};

/** Every event gipkit emits. New event or optional field: minor; rename or removal: major. */
export type GipkitEvent =
  | PlanStartedEvent | ProxySelectedEvent | ProxyUnavailableEvent | PlanCompletedEvent
  | JobStartedEvent | DeploymentStartedEvent | DeploymentStepEvent | ConnectionFailedEvent | HostKeyTrustedEvent
  | FailoverStartedEvent | FailoverSucceededEvent | FailoverFailedEvent
  | DeploymentSucceededEvent | DeploymentFailedEvent | DeploymentSkippedEvent | CleanupCompletedEvent | JobCompletedEvent;
export type GipkitEventType = GipkitEvent['type'];
export type EventOfType<T extends GipkitEventType> = Extract<GipkitEvent, { type: T }>;

/** Every event type, for catalogues and `ofType` checks. */
export const EVENT_TYPES = [
  'plan.started', 'proxy.selected', 'proxy.unavailable', 'plan.completed',
  'job.started', 'deployment.started', 'deployment.step', 'connection.failed', 'connection.host-key-trusted',
  'failover.started', 'failover.succeeded', 'failover.failed',
  'deployment.succeeded', 'deployment.failed', 'deployment.skipped', 'cleanup.completed', 'job.completed',
] as const satisfies readonly GipkitEventType[];

/** The events that end a VM's run: each VM of a job gets exactly one. */
export const TERMINAL_EVENT_TYPES = ['deployment.succeeded', 'deployment.failed', 'deployment.skipped'] as const satisfies readonly GipkitEventType[];
