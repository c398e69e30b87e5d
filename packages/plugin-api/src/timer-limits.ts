/**
 * The longest delay a JavaScript timer holds: 2^31-1 ms (about 24.8 days).
 * `setTimeout` fires a longer delay (or NaN) after 1 ms instead, so a longer
 * timeout would make every call time out at once.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** What is wrong with `ms` as a timeout, or undefined when a timer can hold it (a number above 0, at most `MAX_TIMEOUT_MS`). */
export function timeoutProblem(ms: unknown): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return `must be a number of milliseconds above 0 (found ${String(ms)})`;
  if (ms > MAX_TIMEOUT_MS) return `must be at most ${MAX_TIMEOUT_MS} ms, the longest a timer holds (about 24.8 days) (found ${String(ms)})`;
  return undefined;
}
