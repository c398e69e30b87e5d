import { describe, expect, it, vi } from 'vitest';
import { callWithin } from './call-within.js';
import { ErrorCode } from './errors.js';
import { pause } from './pause.js';

const never = (): AbortSignal => new AbortController().signal;

/** Work that resolves with `value` after `ms`, recording the signal it was given. */
function slow<T>(value: T, ms: number): { work: (signal: AbortSignal) => Promise<T>; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    signals,
    work: async (signal) => {
      signals.push(signal);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return value;
    },
  };
}

describe('callWithin', () => {
  it('returns what the work returns, and leaves its signal alone', async () => {
    const { work, signals } = slow('session', 0);
    await expect(callWithin('connect to vm-1', { timeoutMs: 1_000, signal: never() }, work)).resolves.toBe('session');
    expect(signals[0]?.aborted).toBe(false);
  });

  it('a timeout rejects with GIPKIT_CONNECTOR_TIMEOUT naming the step, and aborts the work\'s signal', async () => {
    const { work, signals } = slow('session', 200);
    await expect(callWithin('connect to vm-1', { timeoutMs: 10, signal: never() }, work)).rejects.toMatchObject({
      code: ErrorCode.ConnectionTimedOut, message: 'connect to vm-1: no answer within 10 ms',
    });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('cancellation rejects with GIPKIT_CONNECTOR_ABORTED at once, and aborts the work\'s signal', async () => {
    const cancel = new AbortController();
    const { work, signals } = slow('session', 60_000);
    const call = callWithin('upload /x', { timeoutMs: 60_000, signal: cancel.signal }, work);
    cancel.abort();
    await expect(call).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('a value that arrives after the call gave up goes to discard (a late session is closed, not leaked)', async () => {
    const discarded: string[] = [];
    const { work } = slow('late session', 40);
    await expect(callWithin('connect to vm-1', { timeoutMs: 5, signal: never() }, work, async (late) => void discarded.push(late))).rejects.toMatchObject({
      code: ErrorCode.ConnectionTimedOut,
    });
    await vi.waitFor(() => expect(discarded).toEqual(['late session']));
  });

  it('a value in time is not discarded; a failing discard is swallowed', async () => {
    const discard = vi.fn(() => Promise.reject(new Error('close failed')));
    await expect(callWithin('connect to vm-1', { timeoutMs: 1_000, signal: never() }, slow('session', 0).work, discard)).resolves.toBe('session');
    expect(discard).not.toHaveBeenCalled();
    const late = callWithin('connect to vm-1', { timeoutMs: 5, signal: never() }, slow('session', 30).work, discard);
    await expect(late).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await vi.waitFor(() => expect(discard).toHaveBeenCalledWith('session'));
  });

  it('the work\'s own error passes through unchanged', async () => {
    const failure = new Error('transport refused');
    await expect(callWithin('connect to vm-1', { timeoutMs: 1_000, signal: never() }, () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('an already cancelled call does not start the work', async () => {
    const cancel = new AbortController();
    cancel.abort();
    const work = vi.fn(() => Promise.resolve('session'));
    await expect(callWithin('connect to vm-1', { timeoutMs: 1_000, signal: cancel.signal }, work)).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
    expect(work).not.toHaveBeenCalled();
  });
});

describe('pause', () => {
  it('resolves after the given time', async () => {
    const started = Date.now();
    await pause(30, never());
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects with the signal\'s reason as soon as it aborts, or at once when it already has', async () => {
    const cancel = new AbortController();
    const waiting = pause(60_000, cancel.signal);
    cancel.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    await expect(pause(0, cancel.signal)).rejects.toThrow('gave up');
  });
});
