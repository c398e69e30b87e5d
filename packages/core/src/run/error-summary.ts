import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, GipkitError, type ErrorSummary, type SecretReference, type TaskOutcome, type TaskReport } from '@gipkit/plugin-api';

const REDACTED = '[redacted]';
/** Secret files larger than this are not read for redaction (they are not passwords or keys). */
const MAX_SECRET_FILE = 64 * 1024;

/**
 * The secret's text, read only to remove it from messages (defence in depth:
 * connectors MUST NOT put secrets in errors; this catches one that does).
 */
function secretText(secret: SecretReference | undefined): string[] {
  if (secret === undefined) return [];
  try {
    const text = 'env' in secret ? process.env[secret.env] : statSync(secret.file).size <= MAX_SECRET_FILE ? readFileSync(secret.file, 'utf8') : undefined;
    if (text === undefined || text.trim().length < 4) return [];
    // A key file: each of its lines is secret too, as a message may quote one.
    return [text, text.trim(), ...text.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith('-----'))];
  } catch {
    return [];
  }
}

function redactText(message: string, secret: SecretReference | undefined): string {
  let redacted = message;
  for (const text of secretText(secret).sort((a, b) => b.length - a.length)) redacted = redacted.split(text).join(REDACTED);
  return redacted;
}

/** Turns whatever was thrown into a code and a message, with the target's secret removed. */
export function summariseError(error: unknown, secret?: SecretReference): ErrorSummary {
  const code = error instanceof GipkitError ? error.code : ErrorCode.ConnectorFailed;
  return { code, message: redactText(error instanceof Error ? error.message : String(error), secret) };
}

function redactSummary(summary: ErrorSummary, secret: SecretReference | undefined): ErrorSummary {
  return secret === undefined ? summary : { code: summary.code, message: redactText(summary.message, secret) };
}

/** The causes in an outcome from a dispatcher (which may be a plugin's), with the target's secret removed. */
export function redactOutcome(outcome: TaskOutcome, secret: SecretReference | undefined): TaskOutcome {
  if (secret === undefined || outcome.status === 'succeeded') return outcome;
  if (outcome.status === 'failed') return { ...outcome, cause: redactSummary(outcome.cause, secret) };
  return { status: 'unreachable', failures: outcome.failures.map((failure) => ({ ...failure, cause: redactSummary(failure.cause, secret) })) };
}

/** The same for a progress report. */
export function redactReport(report: TaskReport, secret: SecretReference | undefined): TaskReport {
  if (secret === undefined) return report;
  if (report.kind === 'connection-failed') return { kind: report.kind, failure: { ...report.failure, cause: redactSummary(report.failure.cause, secret) } };
  if (report.kind === 'reconnecting') return { ...report, cause: redactSummary(report.cause, secret) };
  return report;
}

export function isCancellation(summary: ErrorSummary, signal: AbortSignal): boolean {
  return signal.aborted || summary.code === ErrorCode.ConnectionAborted || summary.code === ErrorCode.RunCancelled;
}
