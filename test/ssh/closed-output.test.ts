import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { loopbackEstate } from './loopback-estate.js';
import { startSshServer, type SshServer } from './ssh-server.js';

// `gipkit run` over real SSH (Debian's OpenSSH on 127.0.0.2) whose output goes
// away mid-run: the run is cancelled, not crashed, and what it deployed into
// the guest (here, this machine's /tmp) is removed.

const BUNDLE_DIR = resolve(import.meta.dirname, '../../examples/bundles/hello-agent');
const CLI = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');

let server: SshServer;
let scratch: string;
let files: { inventory: string; job: string; knownHosts: string };

beforeAll(async () => {
  server = await startSshServer({ address: '127.0.0.2', user: 'gipkit-deploy' });
  scratch = mkdtempSync(join(tmpdir(), 'gipkit-ssh-closed-'));
  files = { inventory: join(scratch, 'inventory.json'), job: join(scratch, 'job.json'), knownHosts: join(scratch, 'known_hosts') };
  writeFileSync(files.knownHosts, `${server.knownHostsLine}\n`);
  // Two VMs on the same guest, deployed one after the other (--concurrency 1): the output goes away after the first.
  const { inventory, job } = loopbackEstate(server, 'ssh-closed-output', ['app-01', 'app-02']);
  writeFileSync(files.inventory, JSON.stringify(inventory));
  writeFileSync(files.job, JSON.stringify(job));
});

afterAll(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const RUN = (): string[] => ['run', '--inventory', files.inventory, '--job', files.job, '--bundle', BUNDLE_DIR, '--known-hosts', files.knownHosts, '--concurrency', '1', '--events', 'ndjson'];

/** Processes whose working folder is inside `location` (the deployed agent runs there). */
function processesIn(location: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(location);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('hardening 5: the output of gipkit run over real SSH goes away mid-run', () => {
  it('stderr closes: the run cancels, removes what it deployed (nothing left on the guest), and the events on stdout end with cleanup.completed and job.completed', async () => {
    const child = spawn(process.execPath, [CLI, ...RUN()]);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // The reader of stderr goes away while app-01's health check runs: the next progress line ("deployed by") meets a closed pipe.
      if (!child.stderr.destroyed && /"type":"deployment.step"[^\n]*"step":"health"/.test(stdout)) child.stderr.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
    const deployed = events.filter((event) => event.type === 'deployment.succeeded');
    expect(deployed).toHaveLength(1);
    const location = deployed[0]?.type === 'deployment.succeeded' ? deployed[0].location : '';
    expect(location).toMatch(/^\/tmp\/gipkit-/);
    expect(events.slice(-2).map((event) => event.type)).toEqual(['cleanup.completed', 'job.completed']);
    expect(events.at(-2)).toMatchObject({ type: 'cleanup.completed', failures: [] });
    expect(events.at(-1)).toMatchObject({ type: 'job.completed', cancelled: true, accepted: false });
    expect(events.find((event) => event.type === 'deployment.failed' && event.vm === 'app-02')).toMatchObject({ cause: { code: 'GIPKIT_RUN_CANCELLED' } });
    expect(existsSync(location)).toBe(false);
    expect(processesIn(location)).toEqual([]);
    expect(code).toBe(1);
  });

  it('`2>&1 | grep -m1`: both streams go away; the run cancels once (the cleanup is not stopped) and nothing is left on the guest', async () => {
    const status = join(scratch, 'status');
    const quoted = [process.execPath, CLI, ...RUN()].map((word) => `'${word}'`).join(' ');
    const shell = spawn('/bin/sh', ['-c', `{ ${quoted} 2>&1; echo $? > '${status}'; } | grep -m1 '"deployment.succeeded"'`]);
    let matched = '';
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => (matched += chunk));
    await new Promise<void>((done) => shell.on('close', () => done()));
    const event = JSON.parse(matched) as GipkitEvent;
    const location = event.type === 'deployment.succeeded' ? event.location : '';
    expect(location).toMatch(/^\/tmp\/gipkit-/);
    expect(readFileSync(status, 'utf8').trim()).toBe('1');
    expect(existsSync(location)).toBe(false);
    expect(processesIn(location)).toEqual([]);
  });
});
