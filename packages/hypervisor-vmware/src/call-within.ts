import { settleWithin, type CallOptions } from '@gipkit/plugin-api';

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

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
