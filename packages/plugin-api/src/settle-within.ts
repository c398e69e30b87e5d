import type { CallOptions } from './deployment.js';
import { ConnectorError, ErrorCode, GipkitError } from './errors.js';
import { timeoutProblem } from './timer-limits.js';

/**
 * Runs `work` so that the returned promise settles within `options.timeoutMs`
 * and as soon as `options.signal` aborts, whatever `work` does (a hung step
 * ends at its timeout, not never). `what` names the step in the error.
 * A timeout no timer can hold (not above 0, above `MAX_TIMEOUT_MS`, NaN)
 * rejects at once with `GIPKIT_RUN_MISCONFIGURED`, without starting `work`:
 * a timer would fire it after 1 ms.
 */
export function settleWithin<T>(what: string, options: CallOptions, work: () => Promise<T>): Promise<T> {
  const problem = timeoutProblem(options.timeoutMs);
  if (problem !== undefined) return Promise.reject(new GipkitError(ErrorCode.RunMisconfigured, `${what}: timeoutMs ${problem}`));
  if (options.signal.aborted) return Promise.reject(new ConnectorError(ErrorCode.ConnectionAborted, `${what}: cancelled`));
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(new ConnectorError(ErrorCode.ConnectionAborted, `${what}: cancelled`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new ConnectorError(ErrorCode.ConnectionTimedOut, `${what}: no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    options.signal.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
