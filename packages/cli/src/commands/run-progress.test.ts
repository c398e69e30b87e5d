import { describe, expect, it, vi } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { RunProgress } from './run-progress.js';

const base = { runId: 'r', at: '2026-11-25T00:00:00.000Z', job: 'j' };
const selected = (vm: string, proxy: string): GipkitEvent => ({ ...base, type: 'proxy.selected', vm, proxy, status: 'assigned', tier: 1, connection: 'lan', load: 0 });
const started = (vm: string, server: string): GipkitEvent => ({ ...base, type: 'deployment.started', vm, server, role: 'proxy', load: 1 });
const succeeded = (vm: string, server: string, failedOver = false): GipkitEvent => ({
  ...base, type: 'deployment.succeeded', vm, server, method: 'lan', mode: 'non-persistent', location: '/tmp/x', version: '1', reused: false, failedOver,
});
const refused = (vm: string, server: string): GipkitEvent => ({
  ...base, type: 'connection.failed', vm, server, method: 'lan', reconnect: false, cause: { code: 'GIPKIT_CONNECTOR_REFUSED', message: `${server} → ${vm} over lan: connection refused` },
});
const failover = (vm: string, from: string): GipkitEvent => ({ ...base, type: 'failover.started', vm, from, to: 'vbr', cause: { code: 'GIPKIT_CONNECTOR_REFUSED', message: 'refused' } });
const unassigned: GipkitEvent[] = [
  {
    ...base, type: 'proxy.unavailable', vm: 'legacy', reasons: [
      { rule: 'windows-guest-needs-windows-server', candidates: 4, example: { server: 'lin', message: 'legacy runs Windows and lin runs linux' } },
      { rule: 'connection-method-required', candidates: 12, example: { server: 'vbr', message: 'vbr has no connection method to legacy; LAN: legacy has no known address' } },
    ],
  },
  { ...base, type: 'deployment.failed', vm: 'legacy', server: null, step: 'select', outcome: 'crash-consistent', cause: { code: 'GIPKIT_RUN_NOT_ASSIGNED', message: 'the plan gave this VM no proxy (a, b)' } },
];

/** A fake terminal: what a user sees once every write is applied (cursor up N lines and clear to the end). */
function screen(out: readonly string[]): string[] {
  const lines: string[] = [];
  for (const chunk of out) {
    let text = chunk;
    const erase = /^\u001b\[(\d+)F\u001b\[J/.exec(text);
    if (erase !== null) {
      lines.splice(lines.length - Number(erase[1]));
      text = text.slice(erase[0].length);
    }
    lines.push(...text.split('\n').slice(0, -1));
  }
  return lines;
}

function live(columns?: number, colour = false) {
  const out: string[] = [];
  const progress = new RunProgress((text) => out.push(text), { live: true, colour, ...(columns === undefined ? {} : { columns: () => columns }) });
  return { out, progress };
}

describe('run progress', () => {
  it('on a terminal: one live line per server, redrawn in place', () => {
    vi.useFakeTimers();
    const { out, progress } = live();
    progress.onEvent(started('a', 'p1'));
    progress.onEvent(started('b', 'p2'));
    vi.advanceTimersByTime(100);
    progress.onEvent(succeeded('a', 'p1'));
    vi.advanceTimersByTime(100);
    progress.stop();
    vi.useRealTimers();
    expect(out[0]).toMatch(/^ {2}p1 +1 running +0 done +0 failed over +0 crash-consistent +0 failed\n {2}p2 +1 running/);
    // The second drawing moves up over the first two lines and clears them.
    expect(out[1]?.startsWith('\u001b[2F\u001b[J')).toBe(true);
    expect(out[1]).toMatch(/p1 +0 running +1 done/);
    expect(screen(out)).toHaveLength(2);
  });

  it('on a terminal: every connection failure, failover and crash-consistent VM gets a line above the block, with its one-line cause', () => {
    vi.useFakeTimers();
    const { out, progress } = live();
    progress.onEvent(selected('sql-a', 'win-proxy-a'));
    for (const event of unassigned) progress.onEvent(event);
    progress.onEvent(started('sql-a', 'win-proxy-a'));
    progress.onEvent(refused('sql-a', 'win-proxy-a'));
    progress.onEvent(failover('sql-a', 'win-proxy-a'));
    progress.onEvent(started('sql-a', 'vbr'));
    progress.onEvent(succeeded('sql-a', 'vbr', true));
    progress.stop();
    vi.useRealTimers();
    expect(screen(out)).toEqual([
      'legacy: crash-consistent (guest processing failed, backed up without it): no proxy: connection-method-required kept out 12 candidates (vbr: vbr has no connection method to legacy …); gipkit explain (same --inventory, --job and --rules) --vm legacy shows every reason',
      'sql-a: win-proxy-a could not connect over lan: connection refused',
      'sql-a: failover: win-proxy-a could not connect with any allowed method; the backup server vbr takes over',
      // A proxy that failed for all of its VMs keeps its line; the backup server's done counts the VM it took over.
      expect.stringMatching(/^ {2}win-proxy-a +0 running +0 done +1 failed over +0 crash-consistent +0 failed$/) as string,
      expect.stringMatching(/^ {2}\(no proxy\) +0 running +0 done +0 failed over +1 crash-consistent +0 failed$/) as string,
      expect.stringMatching(/^ {2}vbr +0 running +1 done +0 failed over/) as string,
    ]);
  });

  it('a failover that fails, and the VM that then fails: each a line naming the server, the method and the cause once', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), { live: false });
    const cause = { code: 'GIPKIT_CONNECTOR_REFUSED', message: 'vbr → sql-a over vix: connection refused' };
    progress.onEvent({ ...base, type: 'failover.failed', vm: 'sql-a', server: 'vbr', cause });
    progress.onEvent({ ...base, type: 'deployment.failed', vm: 'sql-a', server: 'vbr', step: 'connect', outcome: 'failed', cause });
    progress.onEvent({ ...base, type: 'deployment.failed', vm: 'web-a', server: 'lin', step: 'health', outcome: 'failed', cause: { code: 'GIPKIT_DEPLOY_FAILED', message: 'web-a: exit 1' } });
    expect(out).toEqual([
      'sql-a: failover failed: the backup server vbr could not connect either (over vix: connection refused)\n',
      'sql-a: failed: vbr could not connect over vix: connection refused\n',
      "web-a: failed: the components' health check failed on lin: exit 1\n",
    ]);
  });

  it('a terminal narrower than the block: every line is cut to the width, so redrawing never stacks copies', () => {
    vi.useFakeTimers();
    const { out, progress } = live(40);
    progress.onEvent(started('a', 'p1'));
    vi.advanceTimersByTime(100);
    progress.onEvent(refused('a', 'p1'));
    progress.onEvent(succeeded('a', 'p1'));
    vi.advanceTimersByTime(100);
    progress.stop();
    vi.useRealTimers();
    const shown = screen(out);
    expect(shown).toHaveLength(2);
    expect(shown[1]).toMatch(/^ {2}p1 +0 running +1 done .*…$/);
    expect([...(shown[1] ?? '')].length).toBe(39);
    for (const chunk of out) for (const line of chunk.replace(/\u001b\[\d+F\u001b\[J/, '').split('\n').slice(1)) expect([...line].length).toBeLessThanOrEqual(39);
  });

  it('a terminal lower than the block: the block keeps to its height and says how many servers it leaves out, so redrawing never stacks copies', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), { live: true, columns: () => 120, rows: () => 5 });
    for (let i = 1; i <= 10; i++) progress.onEvent(selected(`vm${i}`, `p${i}`));
    vi.advanceTimersByTime(100);
    progress.onEvent(refused('vm1', 'p1'));
    progress.onEvent(started('vm2', 'p2'));
    vi.advanceTimersByTime(100);
    progress.stop();
    vi.useRealTimers();
    // Every drawing of the block fits in the terminal's 5 rows, less the cursor's: 3 servers and the line that counts the rest.
    for (const chunk of out) {
      const block = chunk.replace(/^\u001b\[\d+F\u001b\[J/, '').split('\n').slice(0, -1).filter((line) => !line.startsWith('vm1:'));
      expect(block.length).toBeLessThanOrEqual(4);
    }
    const shown = screen(out);
    expect(shown[0]).toBe('vm1: p1 could not connect over lan: connection refused');
    expect(shown.slice(1)).toEqual([
      expect.stringMatching(/^ {2}p1 +0 running/),
      expect.stringMatching(/^ {2}p2 +1 running/),
      expect.stringMatching(/^ {2}p3 +0 running/),
      '  … and 7 more servers (the summary lists every one)',
    ]);
  });

  it('colours only when asked (a terminal without NO_COLOR), never counted in the width', () => {
    vi.useFakeTimers();
    const plain = live(200, false);
    plain.progress.onEvent(started('a', 'p1'));
    plain.progress.onEvent(refused('a', 'p1'));
    plain.progress.stop();
    expect(plain.out.join('')).not.toMatch(/\u001b\[3\dm/);
    const coloured = live(200, true);
    coloured.progress.onEvent(started('a', 'p1'));
    coloured.progress.onEvent(refused('a', 'p1'));
    coloured.progress.stop();
    vi.useRealTimers();
    expect(coloured.out.join('')).toContain('\u001b[33ma: p1 could not connect over lan: connection refused\u001b[39m');
    expect(coloured.out.join('')).toContain('\u001b[36m    1 running\u001b[39m');
  });

  it('otherwise: one plain line per finished VM, no escape codes', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), { live: false });
    progress.onEvent(started('a', 'p1'));
    progress.onEvent(succeeded('a', 'p1'));
    expect(out).toEqual(['a: deployed by p1 over lan\n']);
  });

  it('the cleanup is reported once, by the summary: the progress prints no cleanup line', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), { live: false });
    progress.onEvent({ ...base, type: 'cleanup.completed', removed: 3, failures: [], kept: 0, stale: 0, durationMs: 1 });
    expect(out).toEqual([]);
  });

  it('hardening 12: ids, causes and guest output in progress lines are escaped: no line can clear the screen or fake another', () => {
    const out: string[] = [];
    const progress = new RunProgress((text) => out.push(text), { live: false });
    progress.onEvent({ ...base, type: 'deployment.failed', vm: 'a', server: 'p1', step: 'start', outcome: 'failed', cause: { code: 'GIPKIT_DEPLOY_FAILED', message: 'exit 1: \u001b[2J\nb: deployed by p1 over lan' } } as GipkitEvent);
    expect(out).toEqual(['a: failed: starting the components failed on p1: exit 1: \\u{1b}[2J\\u{a}b: deployed by p1 over lan\n']);
  });

  it('hardening 12: on a terminal, the live lines escape server ids; the cursor movements are the only controls', () => {
    vi.useFakeTimers();
    const { out, progress } = live();
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
