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

  it('hardening 12: ids, causes and guest output in progress lines are escaped: no line can clear the screen or fake another', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), false);
    progress.onEvent({ ...base, type: 'deployment.failed', vm: 'a', server: null, step: 'start', outcome: 'failed', cause: { code: 'GIPKIT_DEPLOY_FAILED', message: 'exit 1: \u001b[2J\nb: deployed by p1 over lan' } } as GipkitEvent);
    expect(out).toEqual(['a: failed at start: exit 1: \\u{1b}[2J\\u{a}b: deployed by p1 over lan\n']);
  });

  it('hardening 12: on a terminal, the live lines escape server ids; the cursor movements are the only controls', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), true);
    progress.onEvent(started('a', 'p\u001b[1A\u202e1'));
    vi.advanceTimersByTime(100);
    progress.onEvent(succeeded('a', 'p\u001b[1A\u202e1'));
    vi.advanceTimersByTime(100);
    progress.stop();
    vi.useRealTimers();
    expect(out[0]).toMatch(/^ {2}p\\u\{1b\}\[1A\\u\{202e\}1 +1 running/);
    expect(out[1]?.replace('\u001b[1F\u001b[J', '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
