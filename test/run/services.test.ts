import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_VERSION, CLOCK, createToken, ErrorCode, GUEST_AGENT, inject, LOGGER, RUN_ID, RUN_SIGNAL, SECRET_RESOLVER, SSH_OPENER,
  type CallOptions, type Clock, type ConnectRequest, type Dispatcher, type DispatchOptions, type GuestAgent, type GuestConnector,
  type GuestSession, type GuestTask, type Logger, type LogFields, type Plugin, type SecretReference, type SecretResolver, type SessionOpener, type TaskOutcome,
} from '@gipkit/plugin-api';
import { createGipkit } from '@gipkit/core';
import { hypervPlugin } from '@gipkit/hypervisor-hyperv';
import { vmwarePlugin } from '@gipkit/hypervisor-vmware';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { SimulatedConnector, SimulatedLab } from '@gipkit/simulated-lab';
import { sshTransportPlugin } from '@gipkit/transport-ssh';
import { BUNDLE, estate, leftovers, rig } from './run-fixture.js';

const SECRET = 'vault-held-s3cret-value';
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
beforeEach(() => {
  process.env.GIPKIT_TEST_GUEST_SECRET = 'guest-password-for-tests';
});
afterEach(() => {
  delete process.env.GIPKIT_TEST_GUEST_SECRET;
});

const plugin = (name: string, setup: Plugin['setup']): Plugin => ({ name, apiVersion: API_VERSION, setup });

/** A vault-like resolver: `{ vault: PATH }`, answered from memory, with every read recorded. */
function vault(reads: string[] = []): SecretResolver {
  return {
    kinds: ['vault'],
    describe: (reference: SecretReference) => `vault secret ${Object.values(reference)[0] ?? ''}`,
    read: async (reference: SecretReference) => {
      reads.push(Object.values(reference)[0] ?? '');
      return SECRET;
    },
  };
}

/** An SSH opener stand-in over simulated guests, recording every request it gets. */
function recordingOpener(lab: SimulatedLab, asked: string[]): SessionOpener {
  const guests = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests: lab.guests });
  return { open: (request: ConnectRequest, _method, options: CallOptions) => (asked.push(`${request.proxy}→${request.vm}`), guests.connect(request, options)) };
}

/** A logger that keeps every line. */
function recordingLogger(lines: { level: string; message: string; fields: LogFields }[], bindings: LogFields = {}): Logger {
  const write = (level: string) => (message: string, fields: LogFields = {}): void => void lines.push({ level, message, fields: { ...bindings, ...fields } });
  return {
    level: 'trace', isLevelEnabled: () => true,
    trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

const linuxEstate = (job: Record<string, unknown> = {}) => estate({ vms: 0, linuxVms: 2, proxies: 1, job });

describe('services by token (issue #9)', () => {
  it('a product swaps the SSH opener by token: the LAN connectors of vmwarePlugin() reach Linux guests through it', async () => {
    const input = linuxEstate();
    const lab = new SimulatedLab(input.inventory);
    const asked: string[] = [];
    const gipkit = createGipkit({
      plugins: [sshTransportPlugin(), vmwarePlugin(), hypervPlugin(), linuxDeployerPlugin()],
      provide: [{ token: SSH_OPENER, useValue: recordingOpener(lab, asked) }],
    });
    const result = await gipkit.run(input, { bundle: BUNDLE });
    expect(result.accepted).toBe(true);
    expect(result.counts.succeeded).toBe(2);
    // Deploy and cleanup, each VM from its proxy: the opener provided was the one used.
    expect(asked.filter((entry) => entry.endsWith('l1'))).toEqual(['p1→l1', 'p1→l1']);
    expect(asked.filter((entry) => entry.endsWith('l2'))).toEqual(['p1→l2', 'p1→l2']);
    expect(leftovers(lab)).toEqual({});
    gipkit.dispose();
  });

  it('a product swaps the secret resolver by token: jobs use its kinds, the run reads through it, and env/file are no longer accepted', async () => {
    const reads: string[] = [];
    const input = { inventory: linuxEstate().inventory };
    const job = (secret: unknown) => ({ id: 'nightly', vms: ['l1', 'l2'], guestProcessing: { applicationAware: true }, credentials: { kind: 'standard', account: 'root', secret } });
    const lab = new SimulatedLab(input.inventory);
    const gipkit = createGipkit({
      plugins: [lab.plugin(), linuxDeployerPlugin()],
      provide: [{ token: SECRET_RESOLVER, useValue: vault(reads) }],
    });
    expect(gipkit.secretKinds).toEqual(['vault']);
    const valid = gipkit.validateInput({ inventory: input.inventory, job: job({ vault: 'secret/guests/root' }) });
    const result = await gipkit.run(valid, { bundle: BUNDLE });
    expect(result.accepted).toBe(true);
    expect(reads).toEqual(['secret/guests/root']);
    expect(() => gipkit.validateInput({ inventory: input.inventory, job: job({ env: 'GIPKIT_TEST_GUEST_SECRET' }) }))
      .toThrow(/credentials\.secret\.env: no secret resolver reads env references; expected one of vault/);
    gipkit.dispose();
  });

  it('a plugin adds a secret kind: the job schema accepts it beside env and file, and an unknown kind is named with the kinds there are', () => {
    const gipkit = createGipkit({ plugins: [plugin('@acme/gipkit-vault', (registry) => registry.addSecretResolver(vault()))] });
    expect(gipkit.secretKinds).toEqual(['env', 'file', 'vault']);
    const { inventory } = linuxEstate();
    const job = (secret: unknown) => ({ id: 'j', vms: ['l1'], credentials: { kind: 'standard', account: 'root', secret } });
    expect(gipkit.validateInput({ inventory, job: job({ vault: 'secret/x' }) }).job.credentials).toMatchObject({ secret: { vault: 'secret/x' } });
    expect(gipkit.validateInput({ inventory, job: job({ env: 'GIPKIT_TEST_GUEST_SECRET' }) }).job.credentials).toMatchObject({ secret: { env: 'GIPKIT_TEST_GUEST_SECRET' } });
    expect(() => gipkit.validateInput({ inventory, job: job({ aws: 'arn:x' }) })).toThrow(/no secret resolver reads aws references; expected one of env, file, vault/);
  });

  it('a secret kind is data, never a key into Object.prototype: { constructor } and { __proto__ } references are refused', () => {
    const gipkit = createGipkit();
    const { inventory } = linuxEstate();
    const job = (secretJson: string) => JSON.parse(`{"id":"j","vms":["l1"],"credentials":{"kind":"standard","account":"root","secret":${secretJson}}}`) as unknown;
    expect(() => gipkit.validateInput({ inventory, job: job('{"constructor":"x"}') })).toThrow(/no secret resolver reads constructor references; expected one of env, file/);
    expect(() => gipkit.validateInput({ inventory, job: job('{"__proto__":"x"}') })).toThrow(/credentials\.secret/);
  });

  it('two plugins reading one secret kind: the engine does not start, naming both', () => {
    const reader = (name: string) => plugin(name, (registry) => registry.addSecretResolver(vault()));
    expect(() => createGipkit({ plugins: [reader('@acme/a'), reader('@acme/b')] })).toThrow(/plugin @acme\/b: secret kind vault is already read by @acme\/a/);
  });

  it('a plugin\'s connector class receives the logger and the clock from the container', () => {
    const clock: Clock = { now: () => 42, isoNow: () => '2026-12-03T00:00:00.000Z' };
    const lines: { level: string; message: string; fields: LogFields }[] = [];
    class ProxmoxConnector implements GuestConnector {
      readonly platform = 'proxmox';
      readonly method = 'guest-agent';
      readonly logger: Logger;
      readonly clock: Clock;
      constructor(@inject(LOGGER) logger: Logger, @inject(CLOCK) clockGiven: Clock) {
        this.logger = logger.child({ component: 'proxmox' });
        this.clock = clockGiven;
      }

      connect(): Promise<GuestSession> {
        this.logger.info('connecting', { at: this.clock.now() });
        return Promise.reject(new Error('not in this test'));
      }
    }
    const gipkit = createGipkit({
      clock,
      plugins: [plugin('@acme/gipkit-proxmox', (registry) => registry.addConnector({ useClass: ProxmoxConnector }))],
      provide: [{ token: LOGGER, useValue: recordingLogger(lines) }],
    });
    const [connector] = gipkit.connectors;
    expect(connector).toBeInstanceOf(ProxmoxConnector);
    expect((connector as ProxmoxConnector).clock).toBe(clock);
    void connector?.connect({} as ConnectRequest, { timeoutMs: 1, signal: new AbortController().signal }).catch(() => undefined);
    expect(lines).toEqual([{ level: 'info', message: 'connecting', fields: { component: 'proxmox', at: 42 } }]);
  });

  it('the embedder\'s provide wins over every plugin, and among plugins the last provider wins', () => {
    const GREETING = createToken<string>('acme.greeting');
    const seen: string[] = [];
    const greeter = plugin('@acme/greeter', (registry) => registry.addConnector({
      useFactory: (resolver) => {
        seen.push(resolver.get(GREETING));
        return { platform: 'acme', method: 'lan', connect: () => Promise.reject(new Error('unused')) };
      },
    }));
    const first = plugin('@acme/first', (registry) => registry.provide(GREETING, { useValue: 'first' }));
    const second = plugin('@acme/second', (registry) => registry.provide(GREETING, { useFactory: () => 'second' }));
    createGipkit({ plugins: [first, second, greeter] });
    createGipkit({ plugins: [first, second, greeter], provide: [{ token: GREETING, useValue: 'embedder' }] });
    expect(seen).toEqual(['second', 'embedder']);
  });

  it('each run gets its own container: its dispatcher is built per run with that run\'s id, signal and agent, never shared', async () => {
    const built: { runId: string; signal: AbortSignal }[] = [];
    class CountingDispatcher implements Dispatcher {
      readonly #agent: GuestAgent;
      constructor(@inject(RUN_ID) runId: string, @inject(RUN_SIGNAL) signal: AbortSignal, @inject(GUEST_AGENT) agent: GuestAgent) {
        built.push({ runId, signal });
        this.#agent = agent;
      }

      dispatch(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome> {
        return this.#agent.perform(task, options);
      }
    }
    const { run } = rig(estate({ vms: 2, proxies: 1 }), {}, [plugin('@acme/counting', (registry) => registry.addDispatcher({ name: 'counting', useClass: CountingDispatcher }))]);
    const first = await run({ dispatcher: 'counting' });
    const second = await run({ dispatcher: 'counting' });
    expect(built.map((entry) => entry.runId)).toEqual([first.runId, second.runId]);
    expect(first.runId).not.toBe(second.runId);
    expect(built[0]?.signal).not.toBe(built[1]?.signal);
    expect([first.accepted, second.accepted]).toEqual([true, true]);
  });
});

describe('providers that cannot be built fail createGipkit, naming what to fix (issue #9)', () => {
  it('a class with a constructor parameter without @inject: names the class and the parameter', () => {
    class Untokened {
      constructor(readonly logger: Logger, @inject(CLOCK) readonly clock: Clock) {}
    }
    expect(() => createGipkit({ plugins: [plugin('@acme/x', (registry) => registry.addConnector({ useClass: Untokened as never }))] }))
      .toThrow(/plugin @acme\/x: Untokened provided for gipkit\.connector: constructor parameter 1 has no @inject\(TOKEN\)/);
  });

  it('a class that needs a service nothing provides: names the token', () => {
    class NeedsSsh {
      constructor(@inject(SSH_OPENER) readonly ssh: SessionOpener) {}
    }
    const error = (() => {
      try {
        createGipkit({ plugins: [plugin('@acme/x', (registry) => registry.addConnector({ useClass: NeedsSsh as never }))] });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: ErrorCode.PluginInvalid, message: expect.stringMatching(/plugin @acme\/x: NeedsSsh provided for gipkit\.connector needs gipkit\.ssh-opener, which nothing provides/) as unknown });
  });

  it('a factory that throws: GIPKIT_PLUGIN_SETUP_FAILED, naming the plugin and the token', () => {
    const broken = plugin('@acme/broken', (registry) => registry.addConnector({ useFactory: () => { throw new Error('no licence file'); } }));
    expect(() => createGipkit({ plugins: [broken] })).toThrow(/plugin @acme\/broken: building gipkit\.connector failed: no licence file/);
  });

  it('vmwarePlugin() without any transport: the engine does not start, and says to register sshTransportPlugin()', () => {
    expect(() => createGipkit({ plugins: [vmwarePlugin()] })).toThrow(/plugin @gipkit\/hypervisor-vmware: .*register sshTransportPlugin\(\) of @gipkit\/transport-ssh/);
  });

  it('a provider with two of useValue, useFactory, useClass is refused at setup', () => {
    const token = createToken<number>('acme.n');
    const both = plugin('@acme/both', (registry) => registry.provide(token, { useValue: 1, useFactory: () => 2 } as never));
    expect(() => createGipkit({ plugins: [both] })).toThrow(/needs exactly one of useValue, useFactory, useClass \(found useValue, useFactory\)/);
  });
});

describe('logging (issue #9)', () => {
  it('createGipkit({ log: { file } }) writes NDJSON diagnostics with the run id; what the secret resolver read is redacted, even when a connector logs it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gipkit-log-'));
    folders.push(folder);
    const file = join(folder, 'gipkit.log');
    const input = estate({ vms: 1, proxies: 1 });
    const lab = new SimulatedLab(input.inventory);
    const careless = plugin('@acme/careless', (registry) => registry.provide(SSH_OPENER, { useValue: { open: () => Promise.reject(new Error('unused')) } }));
    class CarelessConnector implements GuestConnector {
      readonly platform = 'vmware';
      readonly method = 'lan';
      readonly #inner = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests: lab.guests });
      constructor(@inject(LOGGER) readonly logger: Logger, @inject(SECRET_RESOLVER) readonly secrets: SecretResolver) {}

      async connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
        const secret = await this.secrets.read(request.secret ?? { env: 'UNSET' }, { signal: options.signal });
        this.logger.warn(`logging in with ${secret}`, { password: secret, nested: { again: [secret] } });
        return this.#inner.connect(request, options);
      }
    }
    const gipkit = createGipkit({
      plugins: [careless, plugin('@acme/vault', (registry) => registry.addSecretResolver(vault())), plugin('@acme/conn', (registry) => registry.addConnector({ useClass: CarelessConnector })), windowsDeployerPlugin()],
      log: { level: 'debug', file },
    });
    const valid = gipkit.validateInput({ inventory: input.inventory, job: { ...input.job, credentials: { kind: 'standard', account: 'root', secret: { vault: 'secret/guests/root' } } } });
    const result = await gipkit.run(valid, { bundle: BUNDLE });
    gipkit.dispose();
    expect(result.accepted).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const careLine = lines.find((line) => line.msg === 'logging in with [redacted]');
    expect(careLine).toMatchObject({ level: 'warn', password: '[redacted]', nested: { again: ['[redacted]'] } });
    // The run's own lines carry its id (a connector is the engine's, shared by runs: its lines do not).
    expect(lines.some((line) => line.msg === 'connecting' && line.runId === result.runId && line.vm === 'w1' && line.level === 'debug')).toBe(true);
    expect(lines.some((line) => line.msg === 'run starting' && line.runId === result.runId && line.level === 'info')).toBe(true);
    expect(lines.every((line) => typeof line.time === 'string')).toBe(true);
  });

  it('a child logger made while a run holds its secrets writes its lines, its bindings redacted, a __proto__ binding kept as data', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gipkit-log-'));
    folders.push(folder);
    const file = join(folder, 'gipkit.log');
    const input = estate({ vms: 1, proxies: 1 });
    const lab = new SimulatedLab(input.inventory);
    class ChildLoggingConnector implements GuestConnector {
      readonly platform = 'vmware';
      readonly method = 'lan';
      readonly #inner = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests: lab.guests });
      constructor(@inject(LOGGER) readonly logger: Logger, @inject(SECRET_RESOLVER) readonly secrets: SecretResolver) {}

      async connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
        const secret = await this.secrets.read(request.secret ?? { env: 'UNSET' }, { signal: options.signal });
        const bindings = JSON.parse(`{"vm": ${JSON.stringify(request.vm)}, "token": ${JSON.stringify(secret)}, "__proto__": {"polluted": "yes"}}`) as Record<string, unknown>;
        this.logger.child(bindings).warn('from a child');
        return this.#inner.connect(request, options);
      }
    }
    const gipkit = createGipkit({
      plugins: [plugin('@acme/vault', (registry) => registry.addSecretResolver(vault())), plugin('@acme/conn', (registry) => registry.addConnector({ useClass: ChildLoggingConnector })), windowsDeployerPlugin()],
      log: { level: 'debug', file },
    });
    const valid = gipkit.validateInput({ inventory: input.inventory, job: { ...input.job, credentials: { kind: 'standard', account: 'root', secret: { vault: 'secret/guests/root' } } } });
    const result = await gipkit.run(valid, { bundle: BUNDLE });
    gipkit.dispose();
    expect(result.accepted).toBe(true);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const child = lines.find((line) => line.msg === 'from a child');
    expect(child).toMatchObject({ level: 'warn', vm: 'w1', token: '[redacted]' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a log file that cannot be opened fails createGipkit naming the file; a bad level names the levels', () => {
    expect(() => createGipkit({ log: { file: '/nonexistent-folder/gipkit.log' } })).toThrow(/log file \/nonexistent-folder\/gipkit\.log cannot be opened \(ENOENT\)/);
    expect(() => createGipkit({ log: { level: 'loud' as never } })).toThrow(/log level must be one of trace, debug, info, warn, error, silent \(found "loud"\)/);
  });
});
