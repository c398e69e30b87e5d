import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION, ConnectorError, ErrorCode, type GuestConnector } from '@gipkit/plugin-api';
import { BUNDLE, estate, rig } from './run-fixture.js';

const SECRET = 'process-hardening-secret-never-shown';
const folder = mkdtempSync(join(tmpdir(), 'gipkit-run-secrets-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
beforeEach(() => {
  process.env.GIPKIT_TEST_GUEST_SECRET = SECRET;
});
afterEach(() => {
  delete process.env.GIPKIT_TEST_GUEST_SECRET;
  delete process.env.GIPKIT_TEST_BLANK_SECRET;
});

describe('hardening 6: secrets are read once, before the run starts', () => {
  it('a secret that cannot be read refuses the run before any connection, every problem listed with its variable or file, never the content', async () => {
    const fifo = join(folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(folder, 'huge');
    writeFileSync(huge, `${SECRET}\n`.repeat(3_000));
    const blank = join(folder, 'blank');
    writeFileSync(blank, ' \n\t\n');
    const linkToFifo = join(folder, 'link-to-fifo');
    symlinkSync(fifo, linkToFifo);
    process.env.GIPKIT_TEST_BLANK_SECRET = '   ';
    const account = (secret: Record<string, string>): Record<string, unknown> => ({ kind: 'standard', account: 'CORP\\backup', secret });
    const input = estate({
      vms: 7, proxies: 1,
      job: {
        vmCredentials: {
          w1: account({ file: fifo }), w2: account({ file: folder }), w3: account({ file: huge }), w4: account({ file: blank }),
          w5: account({ env: 'GIPKIT_TEST_UNSET_SECRET' }), w6: account({ env: 'GIPKIT_TEST_BLANK_SECRET' }), w7: account({ file: linkToFifo }),
        },
      },
    });
    const { gipkit, log, lab } = rig(input);
    const error = await gipkit.run(input, { bundle: BUNDLE }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.RunMisconfigured });
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot start job nightly:/);
    for (const part of [
      `file ${fifo} is a FIFO (named pipe), not a regular file`,
      `file ${folder} is a folder, not a regular file`,
      `file ${huge} is larger than 65536 bytes`,
      `file ${blank} holds only whitespace`,
      'environment variable GIPKIT_TEST_UNSET_SECRET is not set',
      'environment variable GIPKIT_TEST_BLANK_SECRET holds only whitespace',
      `file ${linkToFifo} is a FIFO (named pipe), not a regular file`,
    ]) expect(message).toContain(`the secret for account CORP\\backup cannot be used: ${part}`);
    expect(message).not.toContain(SECRET);
    expect(log.of('job.started')).toEqual([]);
    expect(log.of('deployment.started')).toEqual([]);
    expect(lab.openSessions()).toBe(0);
  });

  it('redaction uses the secret read at the start: a connector that leaks it after the file is gone still shows [redacted]', async () => {
    const file = join(folder, 'password');
    writeFileSync(file, `${SECRET}\n`);
    const input = estate({ vms: 1, proxies: 1, job: { credentials: { kind: 'standard', account: 'CORP\\backup', secret: { file } } } });
    const leaky: GuestConnector = {
      platform: 'vmware',
      method: 'vix',
      connect: async (request) => {
        // The file is replaced meanwhile (a rotated secret, an unmounted volume): the message still carries the value the guest saw.
        unlinkSync(file);
        throw new ConnectorError(ErrorCode.ConnectionAuthFailed, `login as ${request.account} with ${SECRET} failed`);
      },
    };
    const { run, log } = rig(input, { methods: { vmware: ['lan'] }, faults: [{ vm: 'w1', method: 'lan', fault: 'refuse' }] }, [
      { name: 'leaky', apiVersion: API_VERSION, setup: (registry) => registry.addConnector(leaky) },
    ]);
    const result = await run();
    const text = JSON.stringify(log.events) + JSON.stringify(result);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('login as CORP\\\\backup with [redacted] failed');
  });

});

describe('hardening 7: run timeouts a timer cannot hold', () => {
  it('timeouts above 2147483647 ms, NaN or not above 0 are refused before any work, every one listed', async () => {
    const { gipkit, input, log } = rig(estate({ vms: 1, proxies: 1 }));
    const run = gipkit.run(input, { bundle: BUNDLE, timeouts: { connect: 2 ** 31, upload: 30 * 24 * 3_600_000, health: Number.NaN, remove: 0 } });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.RunMisconfigured });
    const message = await run.catch((error: unknown) => (error as Error).message);
    expect(message).toContain('timeouts.connect must be at most 2147483647 ms, the longest a timer holds (about 24.8 days) (found 2147483648)');
    expect(message).toContain('timeouts.upload must be at most 2147483647 ms');
    expect(message).toContain('timeouts.health must be a number of milliseconds above 0 (found NaN)');
    expect(message).toContain('timeouts.remove must be a number of milliseconds above 0 (found 0)');
    expect(log.events).toEqual([]);
  });
});

describe('what the secret and timeout checks leave alone', () => {
  it('a run cancelled before it starts does not refuse for a secret: it ends cancelled, every VM at queue', async () => {
    const input = estate({ vms: 2, proxies: 1, job: { credentials: { kind: 'standard', account: 'a', secret: { env: 'GIPKIT_TEST_UNSET_SECRET' } } } });
    const cancel = new AbortController();
    cancel.abort();
    const { run, log } = rig(input);
    const result = await run({ signal: cancel.signal });
    expect(result).toMatchObject({ cancelled: true, accepted: false });
    expect(log.of('deployment.failed').map((event) => [event.vm, event.step])).toEqual([['w1', 'queue'], ['w2', 'queue']]);
  });

  it('a secret only VMs without guest processing would need is not read: the run goes ahead', async () => {
    const input = estate({ vms: 2, proxies: 1, job: { guestProcessing: { applicationAware: false }, credentials: { kind: 'standard', account: 'a', secret: { env: 'GIPKIT_TEST_UNSET_SECRET' } } } });
    const result = await rig(input).run();
    expect(result.accepted).toBe(true);
    expect(result.counts.skipped).toBe(2);
  });

  it('the longest timeout a timer holds runs normally', async () => {
    const { run } = rig(estate({ vms: 1, proxies: 1 }));
    const result = await run({ timeouts: { connect: 2_147_483_647, upload: 2_147_483_647 } });
    expect(result.accepted).toBe(true);
  });
});
