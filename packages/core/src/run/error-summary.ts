import { readFileSync, statSync } from 'node:fs';
import { ErrorCode, GipkitError, type ErrorSummary, type SecretReference } from '@gipkit/plugin-api';

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

/** Turns whatever was thrown into a code and a message, with the target's secret removed. */
export function summariseError(error: unknown, secret?: SecretReference): ErrorSummary {
  const code = error instanceof GipkitError ? error.code : ErrorCode.ConnectorFailed;
  let message = error instanceof Error ? error.message : String(error);
  for (const text of secretText(secret).sort((a, b) => b.length - a.length)) message = message.split(text).join(REDACTED);
  return { code, message };
}

export function isCancellation(summary: ErrorSummary, signal: AbortSignal): boolean {
  return signal.aborted || summary.code === ErrorCode.ConnectionAborted || summary.code === ErrorCode.RunCancelled;
}
