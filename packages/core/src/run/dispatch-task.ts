import { ErrorCode, type Dispatcher, type GuestTask, type TaskOutcome, type TaskReport } from '@gipkit/plugin-api';
import { redactOutcome, redactReport, summariseError, type Redact } from './error-summary.js';
import { ABANDON_AFTER_MS, type TaskSignals } from './task-signals.js';

/**
 * Hands one task to the dispatcher, for deployments and cleanup alike: it runs
 * with its server's signal, is given up on `ABANDON_AFTER_MS` after
 * cancellation when the dispatcher ignores it, a dispatcher that throws is a
 * failed outcome (a plugin's bug must not end the run), and every report and
 * the outcome reach the run with the target's secret removed.
 */
export class TaskDispatch {
  readonly #dispatcher: Dispatcher;
  readonly #signals: TaskSignals;

  constructor(dispatcher: Dispatcher, signals: TaskSignals) {
    this.#dispatcher = dispatcher;
    this.#signals = signals;
  }

  async run(task: GuestTask, server: number, redact: Redact, report: (report: TaskReport) => void): Promise<TaskOutcome> {
    const step = task.kind === 'remove' ? 'remove' : 'connect';
    const method = task.methods[0] ?? 'none';
    let outcome: TaskOutcome;
    try {
      outcome = await this.#signals.with(
        server,
        (signal) => this.#dispatcher.dispatch(task, { signal, report: (progress) => report(redactReport(progress, redact)) }),
        (): TaskOutcome => ({ status: 'failed', method, step, cause: { code: ErrorCode.RunCancelled, message: abandoned(task) } }),
      );
    } catch (error) {
      outcome = { status: 'failed', method, step, cause: { code: ErrorCode.DeployFailed, message: `the dispatcher failed: ${summariseError(error, redact).message}` } };
    }
    return redactOutcome(outcome, redact);
  }
}

function abandoned(task: GuestTask): string {
  const seconds = ABANDON_AFTER_MS / 1000;
  return task.kind === 'remove'
    ? `cleanup was stopped; ${task.server} did not stop its work within ${seconds} s`
    : `the run was cancelled; ${task.server} did not stop its work on ${task.target.vm} within ${seconds} s`;
}
