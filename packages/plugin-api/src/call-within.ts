import type { CallOptions } from './deployment.js';
import { settleWithin } from './settle-within.js';

/**
 * `settleWithin` for work that talks to a transport. The work gets a signal
 * that also aborts when the call gives up (timeout or cancellation), so that
 * the transport can stop; a value that arrives after the call gave up goes to
 * `discard` (a session opened too late is closed, not leaked).
 */
export async function callWithin<T>(
  what: string,
  options: CallOptions,
  work: (signal: AbortSignal) => Promise<T>,
  discard?: (late: T) => Promise<void>,
): Promise<T> {
  const inner = new AbortController();
  let gaveUp = false;
  try {
    return await settleWithin(what, options, async () => {
      const value = await work(inner.signal);
      if (gaveUp && discard !== undefined) await discard(value).catch(() => undefined);
      return value;
    });
  } catch (error) {
    gaveUp = true;
    inner.abort(error);
    throw error;
  }
}
