import {
  ErrorCode, type CleanupFailure, type ConnectionMethod, type Dispatcher, type ErrorSummary, type GuestTarget, type GuestTask, type StepTimeouts,
} from '@gipkit/plugin-api';
import type { Redact } from './error-summary.js';
import { TaskDispatch } from './dispatch-task.js';
import { TaskSignals } from './task-signals.js';
import type { ServerLoads } from './server-loads.js';
import { TaskSlots } from './task-slots.js';

/** A deployment to remove at job end: where it is and who reached it. */
export interface Leftover {
  readonly target: GuestTarget;
  /** The server that made it (by inventory index), which removes it. */
  readonly server: number;
  readonly serverId: string;
  /** The method that reached it first, then the others the server may use. */
  readonly methods: readonly ConnectionMethod[];
  readonly location: string;
  /** Who removes it when `server` cannot reach the guest any more (no method connects, or its agent is gone): the backup server. */
  readonly fallback?: { readonly server: number; readonly serverId: string; readonly methods: readonly ConnectionMethod[] };
}

export interface CleanupSettings {
  readonly runId: string;
  readonly dispatcher: Dispatcher;
  readonly timeouts: StepTimeouts;
  readonly perServer: number;
  readonly total: number;
  /** The run's live load per server: cleanup shares it, so limits hold across deployment and cleanup. */
  readonly load: ServerLoads;
  /** Stops the cleanup (a second Ctrl-C): what was not removed is reported. */
  readonly signal: AbortSignal;
  readonly redactorFor: (target: GuestTarget) => Redact;
}

/**
 * Removes every leftover on the server that made it, under the run's limits;
 * every removal that fails, is cancelled or is given up on is reported with
 * its cause, sorted by VM.
 */
export async function removeLeftovers(leftovers: readonly Leftover[], settings: CleanupSettings): Promise<{ removed: number; failures: CleanupFailure[] }> {
  const slots = new TaskSlots(settings.perServer, settings.total, settings.load);
  const dispatch = new TaskDispatch(settings.dispatcher, new TaskSignals(settings.signal));
  const stop = (): void => slots.close();
  settings.signal.addEventListener('abort', stop, { once: true });
  const failures: CleanupFailure[] = [];
  let removed = 0;
  for (const leftover of leftovers) {
    const { target, serverId: server, location } = leftover;
    const fail = (cause: ErrorSummary): void => void failures.push({ vm: target.vm, server, location, cause });
    slots.submit(leftover.server, {
      start: async () => {
        const task: GuestTask = { kind: 'remove', runId: settings.runId, server, target, methods: leftover.methods, location, timeouts: settings.timeouts };
        let outcome = await dispatch.run(task, leftover.server, settings.redactorFor(target), () => undefined);
        const { fallback } = leftover;
        if (outcome.status === 'unreachable' && fallback !== undefined && !settings.signal.aborted) {
          const again: GuestTask = { ...task, server: fallback.serverId, methods: fallback.methods };
          outcome = await dispatch.run(again, fallback.server, settings.redactorFor(target), () => undefined);
        }
        if (outcome.status === 'succeeded') removed++;
        else if (outcome.status === 'failed') fail(outcome.cause);
        else fail(outcome.failures.at(-1)?.cause ?? { code: ErrorCode.ConnectorFailed, message: `${server} could not connect to ${target.vm}` });
      },
      cancel: () => fail({ code: ErrorCode.RunCancelled, message: 'cleanup was cancelled' }),
    });
  }
  if (settings.signal.aborted) slots.close();
  await slots.idle();
  settings.signal.removeEventListener('abort', stop);
  failures.sort((a, b) => a.vm.localeCompare(b.vm));
  return { removed, failures };
}
