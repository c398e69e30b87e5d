import {
  ErrorCode, GipkitError, PluginError,
  type CallOptions, type CommandResult, type ComponentBundle, type DeployContext, type DeploymentMode, type DeploymentResult,
  type GuestDeployer, type GuestSession, type OsFamily,
} from '@gipkit/plugin-api';
import { checkBundle, folderSafe } from './check-bundle.js';
import { POWERSHELL, WINDOWS_CONTROL_SCRIPT, windowsControlScript } from './windows-control-script.js';

export interface WindowsDeployerOptions {
  /** Where non-persistent components get their per-run folder (default `C:\Windows\Temp`). */
  readonly tempRoot?: string;
  /** Where persistent components are installed, one folder per bundle (default `C:\Program Files\gipkit`). */
  readonly installRoot?: string;
  /** How many times the health command is tried before it counts as failed (default 5). */
  readonly healthAttempts?: number;
  /** Seconds between health attempts (default 1). */
  readonly healthIntervalSeconds?: number;
}

const PLUGIN_NAME = '@gipkit/deployer-windows';
/** Exit code of the control script's `stop` when it could not stop the component; any other failure means the script could not run. */
const STOP_FAILED = 1;
/** UTF-8 byte order mark: Windows PowerShell 5.1 reads a script without one in the ANSI code page. */
const BOM = '\uFEFF';

/** The last lines of a command's output, for error messages. */
function outputTail(result: CommandResult, lines = 10): string {
  const output = (result.stderr.trim() === '' ? result.stdout : result.stderr).trim();
  const tail = output.split(/\r?\n/).slice(-lines).join('\n');
  return tail.length > 2_000 ? tail.slice(-2_000) : tail;
}

function root(option: string | undefined, fallback: string, what: string): string {
  const value = option ?? fallback;
  // eslint-disable-next-line no-control-regex
  if (!/^[A-Za-z]:\\/.test(value) || /[\u0000-\u001f\u007f/]/.test(value)) {
    throw new PluginError(ErrorCode.PluginInvalid, PLUGIN_NAME, `${what} must be an absolute path like C:\\Folder, with backslashes, without control characters (found ${JSON.stringify(value)})`);
  }
  return value.length > 3 ? value.replace(/\\+$/, '') : value.slice(0, 2);
}

function positive(option: number | undefined, fallback: number, what: string): number {
  const value = option ?? fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new PluginError(ErrorCode.PluginInvalid, PLUGIN_NAME, `${what} must be a positive number (found ${value})`);
  return value;
}

/**
 * Deploys a ComponentBundle into a Windows guest through the GuestSession
 * only, with a generated PowerShell control script (`gipkit-service.ps1`) in
 * the component's folder. See docs/reference/deployers.md.
 */
export class WindowsDeployer implements GuestDeployer {
  readonly family: OsFamily = 'windows';
  readonly #tempRoot: string;
  readonly #installRoot: string;
  readonly #healthAttempts: number;
  readonly #healthIntervalSeconds: number;

  constructor(options: WindowsDeployerOptions = {}) {
    this.#tempRoot = root(options.tempRoot, 'C:\\Windows\\Temp', 'tempRoot');
    this.#installRoot = root(options.installRoot, 'C:\\Program Files\\gipkit', 'installRoot');
    this.#healthAttempts = Math.ceil(positive(options.healthAttempts, 5, 'healthAttempts'));
    this.#healthIntervalSeconds = positive(options.healthIntervalSeconds, 1, 'healthIntervalSeconds');
  }

  /** Non-persistent: `<tempRoot>\gipkit-<runId>-<name>`; persistent: `<installRoot>\<name>`. */
  locate(bundle: ComponentBundle, mode: DeploymentMode, runId: string): string {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(bundle.name)) checkBundle(bundle, this.family);
    return mode === 'persistent' ? `${this.#installRoot}\\${bundle.name}` : `${this.#tempRoot}\\gipkit-${folderSafe(runId)}-${bundle.name}`;
  }

  async deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, context: DeployContext): Promise<DeploymentResult> {
    checkBundle(bundle, this.family);
    const location = this.locate(bundle, mode, context.runId);
    const script = `${location}\\${WINDOWS_CONTROL_SCRIPT}`;
    const control = (verb: string, step: keyof DeployContext['timeouts']): Promise<CommandResult> =>
      session.run([...POWERSHELL, '-File', script, verb], this.#call(context, step));
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
      await session.upload(file.contents, `${location}\\${file.path.replaceAll('/', '\\')}`, this.#call(context, 'upload'));
    }
    const source = windowsControlScript({
      name: bundle.name,
      version: bundle.version,
      mode,
      folder: location,
      start: bundle.start.windows ?? [],
      health: bundle.health.windows ?? [],
      healthAttempts: this.#healthAttempts,
      healthIntervalSeconds: this.#healthIntervalSeconds,
    });
    await session.upload(new TextEncoder().encode(`${BOM}${source.replaceAll('\n', '\r\n')}`), script, this.#call(context, 'upload'));
    // Last: a VERSION file means every other file is there.
    await session.upload(new TextEncoder().encode(`${bundle.version}\r\n`), `${location}\\VERSION`, this.#call(context, 'upload'));

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
    await this.#clear(session, location, `${location}\\${WINDOWS_CONTROL_SCRIPT}`, 'remove', context);
  }

  /** Stops what runs from the folder, if anything, then removes the folder; a missing folder is fine. */
  async #clear(session: GuestSession, location: string, script: string, step: 'upload' | 'remove', context: DeployContext): Promise<void> {
    const stop = await session.run([...POWERSHELL, '-File', script, 'stop'], this.#call(context, step));
    // Any other non-zero exit: no control script (nothing uploaded yet, or not all of it), so nothing was started.
    if (stop.exitCode === STOP_FAILED) throw this.#failure(ErrorCode.DeployFailed, session, `stopping the component at ${location}`, stop);
    await session.remove(location, this.#call(context, step));
  }

  #call(context: DeployContext, step: keyof DeployContext['timeouts']): CallOptions {
    return { timeoutMs: context.timeouts[step], signal: context.signal };
  }

  #failure(code: ErrorCode, session: GuestSession, what: string, result: CommandResult): GipkitError {
    const tail = outputTail(result);
    return new GipkitError(code, `${session.vm}: ${what} failed with exit code ${result.exitCode}${tail === '' ? '' : `:\n${tail}`}`);
  }
}
