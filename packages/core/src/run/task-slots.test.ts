import { describe, expect, it } from 'vitest';
import { ServerLoads } from './server-loads.js';
import { TaskSlots, type QueuedTask } from './task-slots.js';

/** A task that records when it starts and finishes when `release` is called. */
function task(name: string, log: string[]): QueuedTask & { release(): void } {
  let release = (): void => undefined;
  return {
    start: () => {
      log.push(`start ${name}`);
      return new Promise<void>((resolve) => (release = resolve));
    },
    cancel: () => void log.push(`cancel ${name}`),
    release: () => release(),
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TaskSlots', () => {
  it('holds each server to its limit and counts the live load', async () => {
    const log: string[] = [];
    const loads = new ServerLoads(2);
    const slots = new TaskSlots(1, 2, loads);
    const [a1, a2, b1] = [task('a1', log), task('a2', log), task('b1', log)];
    slots.submit(0, a1);
    slots.submit(0, a2);
    slots.submit(1, b1);
    expect(log).toEqual(['start a1', 'start b1']);
    expect([loads.at(0), loads.at(1)]).toEqual([1, 1]);
    a1.release();
    await settle();
    expect(log).toEqual(['start a1', 'start b1', 'start a2']);
    a2.release();
    b1.release();
    await slots.idle();
    expect([loads.at(0), loads.at(1)]).toEqual([0, 0]);
  });

  it('holds the run to its total: with room on every server, one task at a time when the total is 1', async () => {
    const log: string[] = [];
    const slots = new TaskSlots(4, 1, new ServerLoads(2));
    const [a, b] = [task('a', log), task('b', log)];
    slots.submit(0, a);
    slots.submit(1, b);
    expect(log).toEqual(['start a']);
    a.release();
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    b.release();
    await slots.idle();
  });

  it('a failover joins the front of a queue whose head has moved on', async () => {
    const log: string[] = [];
    const slots = new TaskSlots(1, 1, new ServerLoads(1));
    const [first, second] = [task('first', log), task('second', log)];
    slots.submit(0, first);
    slots.submit(0, second);
    slots.submit(0, task('third', log));
    first.release();
    await settle();
    // `second` was taken from the head of the queue: the failover goes into the freed place before `third`.
    slots.submit(0, task('failover', log), 'front');
    second.release();
    await settle();
    expect(log).toEqual(['start first', 'start second', 'start failover']);
    slots.close();
    expect(log.at(-1)).toBe('cancel third');
  });

  it('puts a failover at the front of its server queue, before the waiting work', async () => {
    const log: string[] = [];
    const slots = new TaskSlots(1, 1, new ServerLoads(1));
    const running = task('running', log);
    slots.submit(0, running);
    slots.submit(0, task('waiting', log));
    slots.submit(0, task('failover', log), 'front');
    running.release();
    await settle();
    expect(log).toEqual(['start running', 'start failover']);
    slots.close();
    expect(log).toEqual(['start running', 'start failover', 'cancel waiting']);
  });

  it('refuses a server position outside the inventory instead of reading its load as 0', () => {
    const loads = new ServerLoads(2);
    expect(() => loads.at(2)).toThrow(/no server at position 2 \(the inventory has 2\)/);
    expect(() => new TaskSlots(1, 1, loads).submit(-1, task('x', []))).toThrow(RangeError);
  });
});
