import { ErrorCode, GipkitError, type ErrorSummary, type TaskOutcome, type TaskReport } from '@gipkit/plugin-api';

/** Removes a secret from a message: from `RunSecrets.redactorFor`, with the values read once at the start of the run. */
export type Redact = (text: string) => string;

const keep: Redact = (text) => text;

/** Turns whatever was thrown into a code and a message, with the target's secret removed. */
export function summariseError(error: unknown, redact: Redact = keep): ErrorSummary {
  const code = error instanceof GipkitError ? error.code : ErrorCode.ConnectorFailed;
  return { code, message: redact(error instanceof Error ? error.message : String(error)) };
}

function redactSummary(summary: ErrorSummary, redact: Redact): ErrorSummary {
  return { code: summary.code, message: redact(summary.message) };
}

/** The causes in an outcome from a dispatcher (which may be a plugin's), with the target's secret removed. */
export function redactOutcome(outcome: TaskOutcome, redact: Redact): TaskOutcome {
  if (outcome.status === 'succeeded') return outcome;
  if (outcome.status === 'failed') return { ...outcome, cause: redactSummary(outcome.cause, redact) };
  return { ...outcome, failures: outcome.failures.map((failure) => ({ ...failure, cause: redactSummary(failure.cause, redact) })) };
}

/** The same for a progress report. */
export function redactReport(report: TaskReport, redact: Redact): TaskReport {
  if (report.kind === 'connection-failed') return { ...report, failure: { ...report.failure, cause: redactSummary(report.failure.cause, redact) } };
  if (report.kind === 'reconnecting') return { ...report, cause: redactSummary(report.cause, redact) };
  return report;
}

/** A cause that means the run was cancelled: the run's signal aborted, or the connector or dispatcher says it was. */
export function isCancellation(summary: ErrorSummary, cancelled: boolean): boolean {
  return cancelled || summary.code === ErrorCode.ConnectionAborted || summary.code === ErrorCode.RunCancelled;
}
