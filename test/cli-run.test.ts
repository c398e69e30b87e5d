import { cpSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TERMINAL_EVENT_TYPES, type GipkitEvent } from '@gipkit/plugin-api';
import { gipkit, ROOT, tempFiles } from './cli-harness.js';

const LAB = ['--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', 'examples/bundles/hello-agent'];
const DEMO = ['run', '--simulate', '--lab', 'examples/lab/simulated-lab.yaml', ...LAB];

describe('gipkit run', () => {
  it('the demo: Branch A\'s proxy cannot connect, its VMs fail over to the backup server, and the summary says so', () => {
    const result = gipkit(...DEMO);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sql-a: failover: win-proxy-a could not connect with any allowed method; the backup server vbr takes over/);
    expect(result.stdout).toMatch(/sql-a: deployed by vbr over lan \(failover\)/);
    expect(result.stdout).toMatch(/erp-b: the session of wan-b over lan dropped \(connection dropped\); reconnecting once/);
    expect(result.stdout).toMatch(/SERVER\s+PLANNED\s+DONE\s+FAILED OVER\s+CRASH-CONSISTENT\s+FAILED/);
    // The backup server did the 4 VMs it took over; the proxy that failed for all of its VMs has its row.
    expect(result.stdout).toMatch(/^vbr\s+0\s+4\s+0\s+0\s+0$/m);
    expect(result.stdout).toMatch(/^win-proxy-a\s+4\s+0\s+4\s+0\s+0$/m);
    expect(result.stdout.match(/^cleanup: /gm)).toHaveLength(1);
    expect(result.stdout).toMatch(/cleanup: \d+ removed, 0 persistent kept, 0 failed/);
    expect(result.stdout).toMatch(/simulated lab: 0 file\(s\) left in guests/);
  });

  it('--events ndjson streams every event as one JSON line on stdout, one terminal event per VM, and moves the summary to stderr', () => {
    const result = gipkit(...DEMO, '--events', 'ndjson');
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
    expect(events[0]?.type).toBe('plan.started');
    expect(events.at(-1)?.type).toBe('job.completed');
    const terminal = new Map<string, number>();
    for (const event of events) {
      if ((TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type) && 'vm' in event) terminal.set(event.vm, (terminal.get(event.vm) ?? 0) + 1);
    }
    expect(terminal.size).toBe(22);
    expect([...terminal.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    expect(result.stderr).toMatch(/job nightly: 22 VMs/);
  });

  /** Runs `args` with --events ndjson; checks that the table, the footer and the events tell the same counts. */
  function expectCountsAgree(args: readonly string[]): { failovers: number; crash: number } {
    const result = gipkit(...args, '--events', 'ndjson');
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
    const succeededBy = new Map<string, number>();
    for (const event of events) if (event.type === 'deployment.succeeded') succeededBy.set(event.server, (succeededBy.get(event.server) ?? 0) + 1);
    const failovers = events.filter((event) => event.type === 'failover.started').length;
    const failoversDone = events.filter((event) => event.type === 'deployment.succeeded' && event.failedOver).length;
    const crash = events.filter((event) => event.type === 'deployment.failed' && event.outcome === 'crash-consistent').length;
    const table = result.stderr.split('\n').flatMap((line) => {
      const row = /^(\(no proxy\)|\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
      return row === null ? [] : [row.slice(1)];
    });
    const column = (index: number): number => table.reduce((sum, row) => sum + Number(row[index]), 0);
    for (const row of table) if (row[0] !== '(no proxy)') expect(Number(row[2]), row[0]).toBe(succeededBy.get(row[0] ?? '') ?? 0);
    const done = [...succeededBy.values()].reduce((a, b) => a + b, 0);
    expect(result.stderr).toContain(`${done} done, ${crash} crash-consistent, 0 failed, 0 skipped (no guest processing); ${failovers} failed over to the backup server (${failoversDone} of them done)`);
    expect([column(2), column(3), column(4), column(5)]).toEqual([done, failovers, crash, 0]);
    const completed = events.find((event) => event.type === 'job.completed');
    expect(completed?.type === 'job.completed' ? completed.counts : undefined).toEqual({ succeeded: done, failedOver: failoversDone, failed: 0, crashConsistent: crash, skipped: 0 });
    // Every server that had VMs planned has a row: the plan's per-proxy counts are the PLANNED column; every VM needing a proxy is in it once.
    const planned = events.find((event) => event.type === 'plan.completed');
    const summary = planned?.type === 'plan.completed' ? planned.summary : undefined;
    for (const [proxy, vms] of Object.entries(summary?.perProxy ?? {})) expect(table.find((row) => row[0] === proxy)?.[1], proxy).toBe(String(vms));
    expect(column(1)).toBe((summary?.vms ?? 0) - (summary?.notRequired ?? 0));
    return { failovers, crash };
  }

  it('issue #8: the table, the footer and the events agree: per-server columns add up to the footer, DONE is what the events say each server deployed', () => {
    expect(expectCountsAgree(DEMO)).toEqual({ failovers: 4, crash: 2 });
  });

  it('issue #8: counts agree when a failover fails too: FAILED OVER, the footer and failover.started count every failover, whatever its end', () => {
    const files = tempFiles({ 'lab.yaml': 'faults:\n  - { server: win-proxy-a, fault: refuse }\n  - { vm: sql-a, fault: refuse }\n' });
    expect(expectCountsAgree(['run', '--simulate', '--lab', files['lab.yaml'] ?? '', ...LAB])).toEqual({ failovers: 4, crash: 3 });
  });

  it('exits 1 when a VM fails under fail-vm, and lists what cleanup could not remove', () => {
    const files = tempFiles({
      'job.yaml': 'id: strict\nvms: [sql-a, file-a, web-hq-01]\nguestProcessing: { applicationAware: true }\ncredentials: { kind: standard, account: backup }\n',
      'lab.yaml': 'faults:\n  - { vm: sql-a, fault: refuse }\n  - { vm: web-hq-01, fault: fail-remove }\n',
    });
    const result = gipkit('run', '--simulate', '--lab', files['lab.yaml'] ?? '', '--inventory', 'examples/lab/inventory.yaml', '--job', files['job.yaml'] ?? '', '--bundle', 'examples/bundles/hello-agent');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^sql-a: failed: vbr could not connect over (lan|vix): connection refused$/m);
    expect(result.stdout).toMatch(/web-hq-01 on lin-proxy-hq: .*GIPKIT_DEPLOY_FAILED/);
    expect(result.stdout).toMatch(/result: not accepted: 1 VM failed, cleanup could not remove 1 deployment$/m);
  });

  it('a bad lab file exits 2 before any work, with every problem, its place and value', () => {
    const files = tempFiles({ 'lab.yaml': 'latencyMs: -1\nfaults:\n  - { vm: a, fault: melt }\n  - { fault: hang, step: forever }\n  - { fault: fail-health }\nextra: 1\n' });
    const result = gipkit('run', '--simulate', '--lab', files['lab.yaml'] ?? '', ...LAB);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n').slice(1).map((line) => line.trim().replace(/^.*lab\.yaml/, 'lab.yaml'));
    expect(lines).toEqual([
      'lab.yaml:6:1: extra: unknown key (found "extra")',
      'lab.yaml:1:12: latencyMs: expected a number of milliseconds, 0 or more (found -1)',
      'lab.yaml:3:11: faults[0].vm: no VM of the inventory has this id (found "a")',
      'lab.yaml:3:21: faults[0].fault: expected one of refuse, drop, hang, fail-remove, fail-health (found "melt")',
      'lab.yaml:4:26: faults[1].step: expected one of connect, run, upload, remove (found "forever")',
      'lab.yaml:5:5: faults[2]: fail-health needs vm: the guest whose health check fails',
    ]);
    expect(result.stdout).toBe('');
  });

  it('--log-file writes NDJSON diagnostics of the run (--log-level debug), apart from the human output and the events', () => {
    const log = tempFiles({ 'gipkit.log': '' })['gipkit.log'] ?? '';
    const result = gipkit(...DEMO, '--log-level', 'debug', '--log-file', log);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = lines.find((line) => line.msg === 'run starting');
    expect(started).toMatchObject({ level: 'info', job: 'nightly', vms: 22, dispatcher: 'in-process' });
    expect(lines.filter((line) => line.msg === 'connecting' && line.level === 'debug').length).toBeGreaterThanOrEqual(22);
    expect(lines.some((line) => line.msg === 'connection failed' && line.server === 'win-proxy-a' && line.level === 'warn')).toBe(true);
    expect(lines.every((line) => line.runId === started?.runId || line.runId === undefined)).toBe(true);
    expect(result.stdout).not.toMatch(/"msg"/);
  });

  it('--log-level names the levels when given another; a log file that cannot be opened exits 2 naming it', () => {
    const level = gipkit(...DEMO, '--log-level', 'loud');
    expect(level.code).toBe(2);
    expect(level.stderr).toMatch(/--log-level must be one of trace, debug, info, warn, error, silent \(got 'loud'\)/);
    const file = gipkit(...DEMO, '--log-file', '/nonexistent-folder/gipkit.log');
    expect(file.stderr).toMatch(/log file \/nonexistent-folder\/gipkit\.log cannot be opened \(ENOENT\)/);
    expect(file.code).toBe(2);
  });

  it('usage errors exit 2: --bundle is required, --lab needs --simulate, limits are whole numbers', () => {
    expect(gipkit('run', '--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml').stderr).toMatch(/missing --bundle/);
    expect(gipkit('run', '--lab', 'x.yaml', ...LAB).stderr).toMatch(/--lab needs --simulate/);
    const bad = gipkit('run', '--simulate', '--per-proxy', '0', ...LAB);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--per-proxy must be a whole number of at least 1 \(got '0'\)/);
  });
});

/** A copy of hello-agent whose bundle.json also lists `extra` files (a link out of the folder, a reserved name). */
function crookedBundle(): { folder: string; secret: string } {
  const folder = mkdtempSync(join(tmpdir(), 'gipkit-cli-bundle-'));
  cpSync(join(ROOT, 'examples/bundles/hello-agent'), folder, { recursive: true });
  const secretFolder = realpathSync(mkdtempSync(join(tmpdir(), 'gipkit-cli-secret-')));
  const secret = join(secretFolder, 'id_ed25519');
  writeFileSync(secret, 'PRIVATE KEY\n', { mode: 0o600 });
  symlinkSync(secret, join(folder, 'key.txt'));
  writeFileSync(join(folder, 'VERSION'), '0\n');
  const manifest = JSON.parse(readFileSync(join(folder, 'bundle.json'), 'utf8')) as { files: unknown[] };
  manifest.files.push('key.txt', 'VERSION');
  writeFileSync(join(folder, 'bundle.json'), JSON.stringify(manifest));
  return { folder, secret };
}

describe('gipkit run: bundle problems', () => {
  it('hardening 2: a bundle file that links out of the bundle folder is refused before anything is planned or deployed (exit 2)', () => {
    const { folder, secret } = crookedBundle();
    const result = gipkit('run', '--simulate', '--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', folder, '--events', 'ndjson');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${join(folder, 'bundle.json')}: files[4]: is a link to ${secret}, outside the bundle folder ${realpathSync(folder)} (found "key.txt")`);
  });

  it('hardening 18: bundle problems come in the same report as the inventory\'s and the job\'s, and a reserved name is refused when the bundle loads', () => {
    const { folder } = crookedBundle();
    const files = tempFiles({ 'job.yaml': 'id: bad\nvms: [sql-a, nowhere]\nguestProcessing: { applicationAware: true }\ncredentials: { kind: standard, account: backup }\n' });
    const result = gipkit('run', '--simulate', '--inventory', 'examples/lab/inventory.yaml', '--job', files['job.yaml'] ?? '', '--bundle', folder);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('gipkit run: invalid input (3 problems):');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/job\.yaml:2:\d+: vms\[1\]: .*"nowhere"/),
      expect.stringContaining('files[4]: is a link to'),
      expect.stringContaining(`files[5]: is a name the deployer writes itself in the component's folder (reserved: VERSION) (found "VERSION")`),
    ]);
  });
});

describe('gipkit run: Ctrl-C', () => {
  it('stops new work, still removes what was deployed, and exits 1', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const { ROOT } = await import('./cli-harness.js');
    const files = tempFiles({ 'lab.yaml': 'latencyMs: 150\n' });
    const child = spawn(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), 'run', '--simulate', '--lab', files['lab.yaml'] ?? '', '--per-proxy', '1', ...LAB], { cwd: ROOT });
    let stdout = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!interrupted && /deployed by/.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(interrupted).toBe(true);
    expect(code).toBe(1);
    expect(stdout).toMatch(/gipkit run: cancelling: removing what was deployed; Ctrl-C again stops the cleanup/);
    expect(stdout).toMatch(/: failed: cancelled before it started: the run was cancelled before/);
    expect(stdout).toMatch(/result: not accepted: \d+ VMs? failed, the run was cancelled$/m);
    expect(stdout).toMatch(/\(cancelled\)/);
    expect(stdout).toMatch(/cleanup: [1-9]\d* removed, 0 persistent kept, 0 failed/);
    expect(stdout).toMatch(/simulated lab: 0 file\(s\) left in guests/);
  });
});

describe('gipkit run: a reader that goes away', () => {
  it('--events ndjson | head: the run is cancelled, not killed, and still cleans up', async () => {
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const { ROOT } = await import('./cli-harness.js');
    const files = tempFiles({ 'lab.yaml': 'latencyMs: 100\n' });
    const child = spawn(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), 'run', '--simulate', '--lab', files['lab.yaml'] ?? '', ...LAB, '--events', 'ndjson'], { cwd: ROOT });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let lines = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      lines += chunk.split('\n').length - 1;
      // Like `head`: read a few events, then close the pipe.
      if (lines > 40 && !child.stdout.destroyed) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/cancelling: removing what was deployed/);
    expect(stderr).toMatch(/\(cancelled\)/);
    expect(stderr).toMatch(/simulated lab: 0 file\(s\) left in guests/);
    expect(stderr).not.toMatch(/EPIPE/);
  });
});
