import { describe, expect, it } from 'vitest';
import {
  ConnectorError, ErrorCode,
  type CallOptions, type CommandResult, type ComponentBundle, type DeployContext, type DeploymentStep, type GuestDeployer, type GuestSession,
  type StepTimeouts,
} from '@gipkit/plugin-api';

export interface DeployerFixture {
  readonly deployer: GuestDeployer;
  /** Opens a session to this fixture's guest: a fresh guest for each fixture, any number of sessions to it. */
  readonly open: () => Promise<GuestSession>;
  /** A bundle with start and health commands for the deployer's family; its component keeps running once started. */
  readonly bundle: ComponentBundle;
  /** Paths of the files on the guest (all, or at least everything under the deployer's roots). */
  readonly listing: () => Promise<readonly string[]>;
  /** What runs on the guest (all, or at least what runs from the deployer's roots): one entry per component. */
  readonly processes: () => Promise<readonly string[]>;
  /** Makes every later health check on the guest fail; without it the health-failure tests are skipped. */
  readonly failHealth?: () => Promise<void>;
  /** Per-step timeouts; the defaults differ per step (30 001 … 30 006 ms) so that the suite can tell them apart. */
  readonly timeouts?: StepTimeouts;
  /** Called after each test (stop what a persistent deployment left running, remove temporary roots). */
  readonly cleanup?: () => Promise<void>;
}

type Step = Exclude<DeploymentStep, 'connect'>;

interface RecordedCall {
  readonly kind: 'run' | 'upload' | 'remove';
  readonly target: string;
  readonly options: CallOptions & { readonly mode?: number };
  /** The last step reported before the call. */
  readonly step: Step | undefined;
}

interface Recorder {
  readonly session: GuestSession;
  readonly calls: RecordedCall[];
  readonly steps: Step[];
  readonly context: DeployContext;
}

const DEFAULT_TIMEOUTS: StepTimeouts = { connect: 30_001, upload: 30_002, install: 30_003, start: 30_004, health: 30_005, remove: 30_006 };
let runs = 0;

/**
 * Wraps a session so that the suite sees every call, the step it belongs to
 * and its options; `failOn` makes one call reject with a dropped connection
 * after passing the calls before it through.
 */
function record(session: GuestSession, timeouts: StepTimeouts, failOn?: (call: RecordedCall, index: number) => boolean): Recorder {
  const calls: RecordedCall[] = [];
  const steps: Step[] = [];
  const context: DeployContext = {
    runId: `conformance-${process.pid}-${++runs}`,
    signal: new AbortController().signal,
    timeouts,
    step: (step) => void steps.push(step),
  };
  const seen = <T>(call: RecordedCall, forward: () => Promise<T>): Promise<T> => {
    calls.push(call);
    if (failOn?.(call, calls.length - 1) === true) {
      return Promise.reject(new ConnectorError(ErrorCode.ConnectionDropped, `${session.vm}: connection dropped (conformance suite)`));
    }
    return forward();
  };
  const wrapped: GuestSession = {
    vm: session.vm,
    proxy: session.proxy,
    method: session.method,
    run: (command, options): Promise<CommandResult> =>
      seen({ kind: 'run', target: command.join(' '), options, step: steps.at(-1) }, () => session.run(command, options)),
    upload: (contents, path, options) => seen({ kind: 'upload', target: path, options, step: steps.at(-1) }, () => session.upload(contents, path, options)),
    remove: (path, options) => seen({ kind: 'remove', target: path, options, step: steps.at(-1) }, () => session.remove(path, options)),
    close: () => session.close(),
  };
  return { session: wrapped, calls, steps, context };
}

function under(location: string, path: string): string {
  return location.includes('\\') ? `${location}\\${path.replaceAll('/', '\\')}` : `${location}/${path}`;
}

/**
 * The conformance suite for GuestDeployer implementations: run it with a
 * fixture for your deployer, in your own vitest suite. Each test is named
 * after the contract rule it checks (docs/reference/deployment-contracts.md,
 * rules 9–11, 14 and 17–19); docs/reference/deployers.md describes the fixture.
 */
export function describeDeployer(name: string, fixture: () => Promise<DeployerFixture>): void {
  describe(`GuestDeployer conformance: ${name}`, () => {
    const withFixture = (test: (f: DeployerFixture & { readonly timeouts: StepTimeouts }) => Promise<void>) => async () => {
      const f = await fixture();
      const opened: GuestSession[] = [];
      const open = async (): Promise<GuestSession> => {
        const opening = await f.open();
        opened.push(opening);
        return opening;
      };
      try {
        await test({ ...f, open, timeouts: f.timeouts ?? DEFAULT_TIMEOUTS });
      } finally {
        // Every session the suite opened is closed (close is idempotent, rule 7), then the fixture cleans up.
        for (const opening of opened) await opening.close().catch(() => undefined);
        await f.cleanup?.();
      }
    };
    const session = async (f: DeployerFixture & { readonly timeouts: StepTimeouts }, failOn?: Parameters<typeof record>[2]): Promise<Recorder> =>
      record(await f.open(), f.timeouts, failOn);

    it('rule 9: a non-persistent deploy uploads into a fresh folder, starts the component and checks its health; a retry into the same location starts afresh', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const running = await f.processes();
      const location = deployer.locate(bundle, 'non-persistent', 'conformance');
      // A first attempt that dropped mid-upload leaves the deployer's own folder; something left in it is gone after the retry.
      let uploads = 0;
      const dropping = await session(f, (call) => call.kind === 'upload' && ++uploads === 3);
      await expect(deployer.deploy(dropping.session, bundle, 'non-persistent', { ...dropping.context, location })).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
      const { session: guest, context, steps } = await session(f);
      await guest.upload(new TextEncoder().encode('left over'), under(location, 'stale-leftover.txt'), { timeoutMs: 5_000, signal: context.signal });

      const result = await deployer.deploy(guest, bundle, 'non-persistent', { ...context, location });

      expect(result).toEqual({ mode: 'non-persistent', location, version: bundle.version, reused: false });
      const listing = await f.listing();
      for (const file of bundle.files.filter((entry) => entry.family === undefined || entry.family === deployer.family)) expect(listing).toContain(under(location, file.path));
      for (const file of bundle.files.filter((entry) => entry.family !== undefined && entry.family !== deployer.family)) expect(listing).not.toContain(under(location, file.path));
      expect(listing).not.toContain(under(location, 'stale-leftover.txt'));
      expect((await f.processes()).length).toBeGreaterThan(running.length);
      expect(steps).toEqual(['upload', 'start', 'health']);
      await deployer.remove(guest, location, context);
      await guest.close();
    }));

    it('rule 17: locate gives, before deploying, the location deploy uses: a new unpredictable one per call (non-persistent), one per bundle (persistent)', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const { session: guest, context } = await session(f);
      const temporary = deployer.locate(bundle, 'non-persistent', context.runId);
      expect(deployer.locate(bundle, 'non-persistent', context.runId)).not.toBe(temporary);
      expect(deployer.locate(bundle, 'persistent', `${context.runId}-other`)).toBe(deployer.locate(bundle, 'persistent', context.runId));
      expect((await deployer.deploy(guest, bundle, 'non-persistent', { ...context, location: temporary })).location).toBe(temporary);
      await deployer.remove(guest, temporary, context);
    }));

    it('rule 9: remove leaves nothing behind: no file, no process', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const { session: guest, context } = await session(f);
      const [files, running] = [await f.listing(), await f.processes()];
      const { location } = await deployer.deploy(guest, bundle, 'non-persistent', context);
      await deployer.remove(guest, location, context);
      expect(await f.listing()).toEqual(files);
      expect(await f.processes()).toEqual(running);
      await guest.close();
    }));

    it('rule 9: remove after a partial deployment (the connection dropped mid-upload) leaves nothing behind', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const [files, running] = [await f.listing(), await f.processes()];
      let uploads = 0;
      const dropping = await session(f, (call) => call.kind === 'upload' && ++uploads === 2);
      const location = deployer.locate(bundle, 'non-persistent', dropping.context.runId);
      const dropped = deployer.deploy(dropping.session, bundle, 'non-persistent', { ...dropping.context, location });
      await expect(dropped).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
      await expect(dropped).rejects.toBeInstanceOf(ConnectorError);

      const { session: guest, context } = await session(f);
      await deployer.remove(guest, location, context);
      expect(await f.listing()).toEqual(files);
      expect(await f.processes()).toEqual(running);
      await guest.close();
    }));

    it('rule 9: remove after a partial deployment (dropped after the start) stops the component', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const [files, running] = [await f.listing(), await f.processes()];
      const dropping = await session(f, (call) => call.step === 'health');
      const location = deployer.locate(bundle, 'non-persistent', dropping.context.runId);
      await expect(deployer.deploy(dropping.session, bundle, 'non-persistent', { ...dropping.context, location })).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
      expect((await f.processes()).length).toBeGreaterThan(running.length);

      const { session: guest, context } = await session(f);
      await deployer.remove(guest, location, context);
      expect(await f.listing()).toEqual(files);
      expect(await f.processes()).toEqual(running);
      await guest.close();
    }));

    it('rule 9: removing a location that does not exist succeeds and changes nothing', withFixture(async (f) => {
      const { session: guest, context } = await session(f);
      const [files, running] = [await f.listing(), await f.processes()];
      await f.deployer.remove(guest, f.deployer.locate(f.bundle, 'non-persistent', context.runId), context);
      expect(await f.listing()).toEqual(files);
      expect(await f.processes()).toEqual(running);
      await guest.close();
    }));

    it('rule 10: a persistent deploy installs once; the same version again is reused and uploads nothing', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const first = await session(f);
      const location = deployer.locate(bundle, 'persistent', first.context.runId);
      const installed = await deployer.deploy(first.session, bundle, 'persistent', first.context);
      expect(installed).toEqual({ mode: 'persistent', location, version: bundle.version, reused: false });
      expect(first.steps).toEqual(['upload', 'install', 'start', 'health']);
      const running = await f.processes();

      const second = await session(f);
      expect(deployer.locate(bundle, 'persistent', second.context.runId)).toBe(location);
      const reused = await deployer.deploy(second.session, bundle, 'persistent', second.context);
      expect(reused).toEqual({ mode: 'persistent', location, version: bundle.version, reused: true });
      expect(second.calls.filter((call) => call.kind !== 'run')).toEqual([]);
      expect(second.steps).toEqual(['health']);
      expect(await f.processes()).toEqual(running);
      await first.session.close();
      await second.session.close();
    }));

    it('rule 10: a new version replaces the installed one, and is reused in turn', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const first = await session(f);
      await deployer.deploy(first.session, bundle, 'persistent', first.context);
      const running = (await f.processes()).length;

      const next = { ...bundle, version: `${bundle.version}-next` };
      const second = await session(f);
      const upgraded = await deployer.deploy(second.session, next, 'persistent', second.context);
      expect(upgraded).toMatchObject({ version: next.version, reused: false, location: deployer.locate(bundle, 'persistent', first.context.runId) });
      expect(second.steps).toEqual(['upload', 'install', 'start', 'health']);
      expect((await f.processes()).length).toBe(running);

      const third = await session(f);
      expect(await deployer.deploy(third.session, next, 'persistent', third.context)).toMatchObject({ version: next.version, reused: true });
      for (const recorder of [first, second, third]) await recorder.session.close();
    }));

    it('rule 19: a failing health check rejects with GIPKIT_DEPLOY_HEALTH, and remove still cleans up', withFixture(async (f) => {
      if (f.failHealth === undefined) return;
      const { deployer, bundle } = f;
      const [files, running] = [await f.listing(), await f.processes()];
      await f.failHealth();
      const { session: guest, context } = await session(f);
      const location = deployer.locate(bundle, 'non-persistent', context.runId);
      await expect(deployer.deploy(guest, bundle, 'non-persistent', { ...context, location })).rejects.toMatchObject({ code: ErrorCode.HealthCheckFailed });
      await deployer.remove(guest, location, context);
      expect(await f.listing()).toEqual(files);
      expect(await f.processes()).toEqual(running);

      const persistent = await session(f);
      await expect(deployer.deploy(persistent.session, bundle, 'persistent', persistent.context)).rejects.toMatchObject({ code: ErrorCode.HealthCheckFailed });
      await guest.close();
    }));

    it('rule 18: steps are reported in order, each before its session calls, which get the context\'s signal and the timeout of their step', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const check = (recorder: Recorder, expected: readonly Step[]): void => {
        expect(recorder.steps).toEqual(expected);
        const allowed = new Set(Object.values(f.timeouts));
        for (const call of recorder.calls) {
          expect(call.options.signal).toBe(recorder.context.signal);
          // Before the first step (a persistent deployment's look at what is installed) any step's timeout may apply.
          if (call.step === undefined) expect(allowed).toContain(call.options.timeoutMs);
          else expect({ call: `${call.kind} ${call.target}`, timeoutMs: call.options.timeoutMs }).toEqual({ call: `${call.kind} ${call.target}`, timeoutMs: f.timeouts[call.step] });
        }
      };
      const temporary = await session(f);
      const { location } = await deployer.deploy(temporary.session, bundle, 'non-persistent', temporary.context);
      check(temporary, ['upload', 'start', 'health']);
      const removal = await session(f);
      await deployer.remove(removal.session, location, removal.context);
      expect(removal.steps).toEqual([]);
      for (const call of removal.calls) expect(call.options).toMatchObject({ timeoutMs: f.timeouts.remove, signal: removal.context.signal });

      const persistent = await session(f);
      await deployer.deploy(persistent.session, bundle, 'persistent', persistent.context);
      check(persistent, ['upload', 'install', 'start', 'health']);
    }));

    it('rule 11: uses only the session it is given: every bundle file for its family goes through its upload', withFixture(async (f) => {
      const { deployer, bundle } = f;
      const recorder = await session(f);
      const { location } = await deployer.deploy(recorder.session, bundle, 'non-persistent', recorder.context);
      const uploads = recorder.calls.filter((call) => call.kind === 'upload');
      for (const file of bundle.files.filter((entry) => entry.family === undefined || entry.family === deployer.family)) {
        const upload = uploads.find((call) => call.target === under(location, file.path));
        expect(upload, `upload of ${file.path}`).toBeDefined();
        if (deployer.family === 'linux' && file.executable === true) expect((upload?.options.mode ?? 0) & 0o111).not.toBe(0);
      }
      expect(recorder.calls.some((call) => call.kind === 'run')).toBe(true);
      await deployer.remove(recorder.session, location, recorder.context);
    }));

    it('rule 18: a session\'s ConnectorError (here: a cancelled run) propagates unchanged', withFixture(async (f) => {
      const guest = await f.open();
      const cancelled = new AbortController();
      cancelled.abort();
      const context: DeployContext = { runId: `conformance-${process.pid}-${++runs}`, signal: cancelled.signal, timeouts: f.timeouts, step: () => undefined };
      await expect(f.deployer.deploy(guest, f.bundle, 'non-persistent', context)).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
      await guest.close();
    }));

    it('rule 14: a bundle without commands for the family is rejected with GIPKIT_BUNDLE_INVALID before any session call', withFixture(async (f) => {
      const recorder = await session(f);
      const bundle: ComponentBundle = { ...f.bundle, start: {}, health: {} };
      await expect(f.deployer.deploy(recorder.session, bundle, 'non-persistent', recorder.context)).rejects.toMatchObject({ code: ErrorCode.BundleInvalid });
      expect(recorder.calls).toEqual([]);
    }));
  });
}
