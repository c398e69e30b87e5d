import { describe, expect, it, vi } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { RunProgress } from './run-progress.js';

const base = { runId: 'r', at: '2026-11-25T00:00:00.000Z', job: 'j' };
const started = (vm: string, server: string): GipkitEvent => ({ ...base, type: 'deployment.started', vm, server, role: 'proxy', load: 1 });
const succeeded = (vm: string, server: string): GipkitEvent => ({
  ...base, type: 'deployment.succeeded', vm, server, method: 'lan', mode: 'non-persistent', location: '/tmp/x', version: '1', reused: false, failedOver: false,
});

describe('run progress', () => {
  it('on a terminal: one live line per server, redrawn in place', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), true);
    progress.onEvent(started('a', 'p1'));
    progress.onEvent(started('b', 'p2'));
    vi.advanceTimersByTime(100);
    progress.onEvent(succeeded('a', 'p1'));
    vi.advanceTimersByTime(100);
    progress.stop();
    vi.useRealTimers();
    expect(out[0]).toMatch(/^ {2}p1 +1 running +0 done +0 failed over +0 failed\n {2}p2 +1 running/);
    // The second drawing moves up over the first two lines and clears them.
    expect(out[1]?.startsWith('\u001b[2F\u001b[J')).toBe(true);
    expect(out[1]).toMatch(/p1 +0 running +1 done/);
  });

  it('otherwise: one plain line per finished VM, no escape codes', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), false);
    progress.onEvent(started('a', 'p1'));
    progress.onEvent(succeeded('a', 'p1'));
    expect(out).toEqual(['a: deployed by p1 over lan\n']);
  });
});
