import {
  ErrorCode, GipkitError,
  type CallOptions, type CommandResult, type ComponentBundle, type DeployContext, type DeploymentMode, type DeploymentResult,
  type GuestDeployer, type GuestSession, type OsFamily,
} from '@gipkit/plugin-api';
import { BUNDLE_NAME, checkBundle, folderSafe } from './check-bundle.js';
import type { HealthCheckSettings } from './deployer-options.js';

/** What the control script of one deployment knows, whatever the family. */
export interface ControlScriptSpec {
  readonly name: string;
  readonly version: string;
  readonly mode: DeploymentMode;
  /** Absolute folder of the component on the guest. */
  readonly folder: string;
  readonly start: readonly string[];
  readonly health: readonly string[];
  readonly healthAttempts: number;
  readonly healthIntervalSeconds: number;
}

/** What differs between guest OS families; `ControlScriptDeployer` does the rest. */
export interface ControlScriptFamily {
  readonly family: OsFamily;
  /** The control script's file name in the component's folder (`gipkit-service.sh`). */
  readonly scriptName: string;
  /** Line end of the `VERSION` file. */
  readonly newline: string;
  /** `relative` (`/`-separated) inside `folder`, in the guest's path syntax. */
  join(folder: string, relative: string): string;
  /** The command that runs the control script at `script` with `verb`. */
  command(script: string, verb: string): readonly string[];
  /** The control script of one deployment, as uploaded (encoding and line ends of the family). */
  script(spec: ControlScriptSpec): Uint8Array;
  /** The mode of an uploaded file; without it, uploads pass no mode. */
  uploadMode?(executable: boolean): number;
}

/** Where a `ControlScriptDeployer` puts components, and how it checks their health. */
export interface ControlScriptDeployerSettings extends HealthCheckSettings {
  /** Checked absolute folder for non-persistent components, without a trailing separator. */
  readonly tempRoot: string;
  /** Checked absolute folder for persistent components, one folder per bundle. */
  readonly installRoot: string;
}

/** Exit code of the control script's `stop` when it could not stop the component; any other failure means the script could not run. */
const STOP_FAILED = 1;

/** The last lines of a command's output, for error messages. */
function outputTail(result: CommandResult, lines = 10): string {
  const output = (result.stderr.trim() === '' ? result.stdout : result.stderr).trim();
  const tail = output.split(/\r?\n/).slice(-lines).join('\n');
  return tail.length > 2_000 ? tail.slice(-2_000) : tail;
}

/**
 * A `GuestDeployer` that works through the GuestSession only and drives the
 * component with a generated control script in its folder
 * (docs/reference/deployers.md): the persistent reuse check, a fresh folder,
 * the bundle's files, the script, `VERSION` last, then install, start and
 * health. The family supplies the script, the paths and the commands.
 */
export class ControlScriptDeployer implements GuestDeployer {
  readonly family: OsFamily;
  readonly #guest: ControlScriptFamily;
  readonly #settings: ControlScriptDeployerSettings;

  constructor(guest: ControlScriptFamily, settings: ControlScriptDeployerSettings) {
    this.family = guest.family;
    this.#guest = guest;
    this.#settings = settings;
  }

  /** Non-persistent: `<tempRoot>/gipkit-<runId>-<name>`; persistent: `<installRoot>/<name>` (in the family's path syntax). */
  locate(bundle: ComponentBundle, mode: DeploymentMode, runId: string): string {
    if (!BUNDLE_NAME.test(bundle.name)) checkBundle(bundle, this.family);
    return mode === 'persistent'
      ? this.#guest.join(this.#settings.installRoot, bundle.name)
      : this.#guest.join(this.#settings.tempRoot, `gipkit-${folderSafe(runId)}-${bundle.name}`);
  }

  async deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, context: DeployContext): Promise<DeploymentResult> {
    checkBundle(bundle, this.family);
    const location = this.locate(bundle, mode, context.runId);
    const script = this.#guest.join(location, this.#guest.scriptName);
    const control = (verb: string, step: keyof DeployContext['timeouts']): Promise<CommandResult> =>
      session.run(this.#guest.command(script, verb), this.#call(context, step));
    const result = (reused: boolean): DeploymentResult => ({ mode, location, version: bundle.version, reused });

    if (mode === 'persistent') {
      const version = await control('version', 'install');
      if (version.exitCode === 0 && version.stdout.trim() === bundle.version) {
        context.step('health');
        if ((await control('health', 'health')).exitCode === 0) return result(true);
      }
    }

    context.step('upload');
    // A fresh folder: a leftover of this run (a retry), or the version being replaced, is stopped and removed first.
    await this.#clear(session, location, script, 'upload', context);
    for (const file of bundle.files) {
      if (file.family !== undefined && file.family !== this.family) continue;
      await session.upload(file.contents, this.#guest.join(location, file.path), this.#upload(context, file.executable === true));
    }
    const source = this.#guest.script({
      name: bundle.name,
      version: bundle.version,
      mode,
      folder: location,
      start: bundle.start[this.family] ?? [],
      health: bundle.health[this.family] ?? [],
      healthAttempts: this.#settings.healthAttempts,
      healthIntervalSeconds: this.#settings.healthIntervalSeconds,
    });
    await session.upload(source, script, this.#upload(context, true));
    // Last: a VERSION file means every other file is there.
    await session.upload(new TextEncoder().encode(`${bundle.version}${this.#guest.newline}`), this.#guest.join(location, 'VERSION'), this.#upload(context, false));

    if (mode === 'persistent') {
      context.step('install');
      const install = await control('install', 'install');
      if (install.exitCode !== 0) throw this.#failure(ErrorCode.DeployFailed, session, `installing ${bundle.name} ${bundle.version} at ${location}`, install);
    }
    context.step('start');
    const start = await control('start', 'start');
    if (start.exitCode !== 0) throw this.#failure(ErrorCode.DeployFailed, session, `starting ${bundle.name} ${bundle.version} at ${location}`, start);
    context.step('health');
    const health = await control('health', 'health');
    if (health.exitCode !== 0) throw this.#failure(ErrorCode.HealthCheckFailed, session, `health check of ${bundle.name} ${bundle.version} at ${location}`, health);
    return result(false);
  }

  async remove(session: GuestSession, location: string, context: DeployContext): Promise<void> {
    await this.#clear(session, location, this.#guest.join(location, this.#guest.scriptName), 'remove', context);
  }

  /** Stops what runs from the folder, if anything, then removes the folder; a missing folder is fine. */
  async #clear(session: GuestSession, location: string, script: string, step: 'upload' | 'remove', context: DeployContext): Promise<void> {
    const stop = await session.run(this.#guest.command(script, 'stop'), this.#call(context, step));
    // Any other non-zero exit: no control script (nothing uploaded yet, or not all of it), so nothing was started.
    if (stop.exitCode === STOP_FAILED) throw this.#failure(ErrorCode.DeployFailed, session, `stopping the component at ${location}`, stop);
    await session.remove(location, this.#call(context, step));
  }

  #call(context: DeployContext, step: keyof DeployContext['timeouts']): CallOptions {
    return { timeoutMs: context.timeouts[step], signal: context.signal };
  }

  #upload(context: DeployContext, executable: boolean): CallOptions & { readonly mode?: number } {
    const call = this.#call(context, 'upload');
    return this.#guest.uploadMode === undefined ? call : { ...call, mode: this.#guest.uploadMode(executable) };
  }

  #failure(code: ErrorCode, session: GuestSession, what: string, result: CommandResult): GipkitError {
    const tail = outputTail(result);
    return new GipkitError(code, `${session.vm}: ${what} failed with exit code ${result.exitCode}${tail === '' ? '' : `:\n${tail}`}`);
  }
}
