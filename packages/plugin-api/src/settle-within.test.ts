import { describe, expect, it } from 'vitest';
import { callWithin } from './call-within.js';
import { ErrorCode } from './errors.js';
import { settleWithin } from './settle-within.js';
import { MAX_TIMEOUT_MS } from './timer-limits.js';

const never = (): AbortSignal => new AbortController().signal;

describe('hardening 7: a timeout no timer can hold', () => {
  it('settleWithin and callWithin refuse it at once, naming the step and the value, without starting the work', async () => {
    for (const timeoutMs of [MAX_TIMEOUT_MS + 1, 30 * 24 * 3_600_000, Number.NaN, 0, -5]) {
      let started = 0;
      const work = async (): Promise<string> => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'done';
      };
      await expect(settleWithin('upload /x', { timeoutMs, signal: never() }, work)).rejects.toMatchObject({
        code: ErrorCode.RunMisconfigured, message: expect.stringContaining(`upload /x: timeoutMs must be`) as unknown,
      });
      await expect(callWithin('connect to vm-1', { timeoutMs, signal: never() }, work)).rejects.toMatchObject({
        code: ErrorCode.RunMisconfigured, message: expect.stringContaining(`(found ${String(timeoutMs)})`) as unknown,
      });
      expect(started).toBe(0);
    }
  });
});

describe('settleWithin at the timer limit', () => {
  it('the longest timeout a timer holds is honoured: the work finishes', async () => {
    await expect(settleWithin('health', { timeoutMs: MAX_TIMEOUT_MS, signal: never() }, async () => 'healthy')).resolves.toBe('healthy');
  });
});
