import { ErrorCode, type ConnectionMethod, type DeploymentMode, type DeploymentStep, type ErrorSummary, type TaskOutcome } from '@gipkit/plugin-api';
import type { EventDraft } from '../event-draft.js';
import { isCancellation } from './error-summary.js';

/** Who made an attempt at a VM: its planned proxy, or the backup server after a failover. */
export type AttemptRole = 'proxy' | 'backup-server';

/** Where a VM whose proxy could not connect may go: the backup server, or nowhere and why. */
export type FailoverChoice = { readonly to: string } | { readonly none: string };

export interface OutcomeContext {
  readonly job: string;
  readonly vm: string;
  /** The server that made the attempt. */
  readonly server: string;
  readonly role: AttemptRole;
  readonly mode: DeploymentMode;
  readonly bundleVersion: string;
  /** The run was cancelled while the attempt ran. */
  readonly cancelled: boolean;
  /** Asked only when a proxy could not connect: whether the backup server can take the VM over. */
  readonly failover: () => FailoverChoice;
}

/** What happens to the VM next. */
export type NextStep =
  | { readonly kind: 'succeeded'; readonly method: ConnectionMethod }
  | { readonly kind: 'failed'; readonly step: DeploymentStep; readonly cause: ErrorSummary; readonly method: ConnectionMethod | null; readonly agent?: string }
  | { readonly kind: 'fail-over'; readonly to: string };

export interface AfterOutcome {
  /** The events the outcome means, in order (the terminal `deployment.failed` of a failed VM is the run's to emit). */
  readonly events: readonly EventDraft[];
  readonly next: NextStep;
  /** A non-persistent deployment (whole or partial) to remove at job end, with the method that reached it. */
  readonly leftover?: { readonly method: ConnectionMethod; readonly location: string };
  /** A deployment that stays on the guest (persistent, or non-persistent without a location). */
  readonly kept: boolean;
  /** Leftovers of crashed earlier runs that the deployment found and removed. */
  readonly stale: number;
}

const CANCELLED = { code: ErrorCode.RunCancelled, message: 'the run was cancelled' };

/**
 * The decision after one attempt's outcome, as a pure function: the events it
 * means and the VM's next step (done, failed at a step, or over to the backup
 * server). A proxy that cannot connect fails over once; the backup server's
 * own failure, any cancellation, and a failure after connecting end the VM.
 */
export function afterOutcome(outcome: TaskOutcome, context: OutcomeContext): AfterOutcome {
  const { job, vm, server, role, mode } = context;
  const failedOver = role === 'backup-server';
  // The remote agent that did the work, carried into every event of the outcome.
  const by = outcome.agent === undefined ? {} : { agent: outcome.agent };
  if (outcome.status === 'succeeded' && mode === 'non-persistent' && outcome.deployment === undefined) {
    // An agent that claims success without saying where: nothing could be removed later, so it did not succeed.
    return afterOutcome(
      { status: 'failed', method: outcome.method, step: 'health', cause: { code: ErrorCode.DeployFailed, message: `the agent reported success for ${vm} without a deployment to remove later` } },
      context,
    );
  }
  if (outcome.status === 'succeeded') {
    const deployment = outcome.deployment;
    const leftover = mode === 'non-persistent' && deployment !== undefined ? { method: outcome.method, location: deployment.location } : undefined;
    const events: EventDraft[] = [];
    if (failedOver) events.push({ type: 'failover.succeeded', job, vm, server, method: outcome.method, ...by });
    events.push({
      type: 'deployment.succeeded', job, vm, server, method: outcome.method, mode,
      location: deployment?.location ?? '', version: deployment?.version ?? context.bundleVersion, reused: deployment?.reused ?? false, failedOver, ...by,
    });
    return { events, next: { kind: 'succeeded', method: outcome.method }, ...(leftover === undefined ? {} : { leftover }), kept: leftover === undefined, stale: deployment?.stale ?? 0 };
  }
  if (outcome.status === 'failed') {
    const leftover = outcome.location !== undefined && mode === 'non-persistent' ? { method: outcome.method, location: outcome.location } : undefined;
    const cause = isCancellation(outcome.cause, context.cancelled)
      ? { code: ErrorCode.RunCancelled, message: `the run was cancelled: ${outcome.cause.message}` }
      : outcome.cause;
    return {
      events: failedOver ? [{ type: 'failover.failed', job, vm, server, cause, ...by }] : [],
      // A failure while removing a partial deployment is reported at the step that failed before it.
      next: { kind: 'failed', step: outcome.step === 'remove' ? 'connect' : outcome.step, cause, method: outcome.method, ...by },
      ...(leftover === undefined ? {} : { leftover }),
      kept: false,
      stale: 0,
    };
  }
  // Unreachable: no method connected (or the remote agent that had connected stopped; what it began is removed at job end).
  const last = outcome.failures.at(-1)?.cause ?? { code: ErrorCode.ConnectorFailed, message: `${server} could not connect to ${vm}` };
  const partial = outcome.location !== undefined && mode === 'non-persistent'
    ? { leftover: { method: outcome.failures[0]?.method ?? 'none', location: outcome.location } }
    : {};
  const ended = (cause: ErrorSummary, events: readonly EventDraft[] = []): AfterOutcome =>
    ({ events, next: { kind: 'failed', step: 'connect', cause, method: null, ...by }, ...partial, kept: false, stale: 0 });
  if (isCancellation(last, context.cancelled)) return ended(CANCELLED, failedOver ? [{ type: 'failover.failed', job, vm, server, cause: CANCELLED, ...by }] : []);
  if (failedOver) return ended(last, [{ type: 'failover.failed', job, vm, server, cause: last, ...by }]);
  const choice = context.failover();
  if ('none' in choice) return ended({ ...last, message: `${last.message}${choice.none}` });
  return { events: [{ type: 'failover.started', job, vm, from: server, to: choice.to, cause: last }], next: { kind: 'fail-over', to: choice.to }, ...partial, kept: false, stale: 0 };
}
