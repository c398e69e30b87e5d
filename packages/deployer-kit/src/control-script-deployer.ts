import { randomHex } from './random-hex.js';
import {
  ConnectorError, ErrorCode, GipkitError,
  type CallOptions, type CommandResult, type ComponentBundle, type DeployContext, type DeploymentMode, type DeploymentResult,
  type GuestDeployer, type GuestSession, type OsFamily,
} from '@gipkit/plugin-api';
import { BUNDLE_NAME, checkBundle, folderSafe } from './check-bundle.js';
import type { HealthCheckSettings } from './deployer-options.js';
import { currentRunOwner, runOwnerGone } from './run-owner.js';

/** The marker a deployer writes first into a component's folder: which run, bundle and process made it (JSON). */
export const MARKER_FILE = 'gipkit-service.run';

/**
 * What the family's folder script does (docs/reference/deployers.md, "Folder safety"); it refuses (exit 3)
 * a folder the deploying account did not make for itself: a symbolic link, another owner, writable by others.
 * - `check`: a persistent folder (and its root) may be used, or does not exist;
 * - `prepare`: the folder is created privately when missing (families that do not create it by uploading the
 *   marker), or verified; then what runs from it is stopped and everything but the marker removed;
 * - `remove`: verified, stopped, removed (a missing folder is fine);
 * - `stale`: lists the verified non-persistent folders under `root` that hold a marker: `<marker>\t<folder>` lines.
 */
export type FolderVerb = 'check' | 'prepare' | 'remove' | 'stale';

export interface FolderRequest {
  readonly verb: FolderVerb;
  readonly mode: DeploymentMode;
  /** `tempRoot` (non-persistent) or `installRoot` (persistent). */
  readonly root: string;
  /** The component's folder (for `stale`: the root). */
  readonly folder: string;
}

/** Exit codes of a folder script: 0 done, 1 the component could not be stopped, 3 refused (stderr says why); anything else failed. */
export const FolderExit = { done: 0, stopFailed: 1, refused: 3 } as const;

/** A marker as written into the folder. */
interface Marker {
  readonly gipkit: 'marker/1';
  readonly runId: string;
  readonly bundle: string;
  readonly version: string;
  readonly mode: DeploymentMode;
  readonly owner: unknown;
}

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
  /** The command that runs the family's folder script for `request` (see `FolderVerb`). */
  folderCommand(request: FolderRequest): readonly string[];
  /**
   * True: a new folder is made by uploading the marker into it (the session creates it; Linux over SFTP, where no
   * process list shows its name before it exists), then `prepare` verifies it. False: `prepare` creates it.
   */
  readonly createsFolderByUpload: boolean;
}

/** Where a `ControlScriptDeployer` puts components, and how it checks their health. */
export interface ControlScriptDeployerSettings extends HealthCheckSettings {
  /** Checked absolute folder for non-persistent components, without a trailing separator. */
  readonly tempRoot: string;
  /** Checked absolute folder for persistent components, one folder per bundle. */
  readonly installRoot: string;
}

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

  /**
   * Non-persistent: `<tempRoot>/gipkit-<runId>-<name>-<32 random hex digits>`, a new one on every call, so that
   * no one on the guest can make it first; persistent: `<installRoot>/<name>` (in the family's path syntax).
   */
  locate(bundle: ComponentBundle, mode: DeploymentMode, runId: string): string {
    if (!BUNDLE_NAME.test(bundle.name)) checkBundle(bundle, this.family);
    return mode === 'persistent'
      ? this.#guest.join(this.#settings.installRoot, bundle.name)
      : this.#guest.join(this.#settings.tempRoot, `gipkit-${folderSafe(runId)}-${bundle.name}-${randomHex(16)}`);
  }

  async deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, context: DeployContext): Promise<DeploymentResult> {
    checkBundle(bundle, this.family);
    const location = context.location ?? this.locate(bundle, mode, context.runId);
    this.#checkLocation(bundle, mode, location);
    const script = this.#guest.join(location, this.#guest.scriptName);
    const control = (verb: string, step: keyof DeployContext['timeouts']): Promise<CommandResult> =>
      session.run(this.#guest.command(script, verb), this.#call(context, step));
    let stale = 0;
    const result = (reused: boolean): DeploymentResult => ({ mode, location, version: bundle.version, reused, ...(stale > 0 ? { stale } : {}) });

    if (mode === 'persistent') {
      // Nothing runs from an installed folder that someone else could have changed.
      await this.#folder(session, { verb: 'check', mode, root: this.#settings.installRoot, folder: location }, 'install', context);
      const version = await control('version', 'install');
      if (version.exitCode === 0 && version.stdout.trim() === bundle.version) {
        context.step('health');
        if ((await control('health', 'health')).exitCode === 0) return result(true);
      }
    }

    context.step('upload');
    // A fresh folder of the deploying account's own: made now, or (a retry after a drop, the version being replaced)
    // verified as its own, what runs from it stopped, and emptied.
    const root = mode === 'persistent' ? this.#settings.installRoot : this.#settings.tempRoot;
    const marker = this.#marker(bundle, mode, context.runId);
    const markerPath = this.#guest.join(location, MARKER_FILE);
    if (this.#guest.createsFolderByUpload) await session.upload(marker, markerPath, this.#upload(context, false));
    await this.#folder(session, { verb: 'prepare', mode, root, folder: location }, 'upload', context);
    if (!this.#guest.createsFolderByUpload) await session.upload(marker, markerPath, this.#upload(context, false));
    if (mode === 'non-persistent') stale = await this.#removeStale(session, bundle, location, context);
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

  /** Stops what runs from a non-persistent folder and removes it, after checking it is the deploying account's own; a missing folder is fine. */
  async remove(session: GuestSession, location: string, context: DeployContext): Promise<void> {
    if (!this.#isTemporary(location)) {
      throw new GipkitError(ErrorCode.UnsafeFolder, `${session.vm}: refusing to remove ${location}: not a non-persistent folder of this deployer (${this.#guest.join(this.#settings.tempRoot, 'gipkit-…')})`);
    }
    await this.#folder(session, { verb: 'remove', mode: 'non-persistent', root: this.#settings.tempRoot, folder: location }, 'remove', context);
  }

  /** A location given in the context must be where this deployer puts that bundle: a persistent one exactly, a non-persistent one a `gipkit-` folder of the temporary root. */
  #checkLocation(bundle: ComponentBundle, mode: DeploymentMode, location: string): void {
    const fits = mode === 'persistent' ? location === this.locate(bundle, mode, '') : this.#isTemporary(location);
    if (!fits) throw new GipkitError(ErrorCode.UnsafeFolder, `${location} is not a ${mode} location of this deployer for ${bundle.name}`);
  }

  #isTemporary(location: string): boolean {
    const prefix = this.#guest.join(this.#settings.tempRoot, 'gipkit-');
    const rest = location.slice(prefix.length);
    return location.startsWith(prefix) && /^[A-Za-z0-9._-]+$/.test(rest) && !/^\.+$/.test(rest);
  }

  #marker(bundle: ComponentBundle, mode: DeploymentMode, runId: string): Uint8Array {
    const marker: Marker = { gipkit: 'marker/1', runId, bundle: bundle.name, version: bundle.version, mode, owner: currentRunOwner() };
    return new TextEncoder().encode(`${JSON.stringify(marker)}${this.#guest.newline}`);
  }

  /**
   * Leftovers of this bundle from earlier runs whose process is gone (a crash): non-persistent folders under the
   * temporary root that the folder script verified as the deploying account's own, with its marker. Each is
   * stopped and removed; one that cannot be is left for the next deployment. A session's ConnectorError propagates.
   */
  async #removeStale(session: GuestSession, bundle: ComponentBundle, location: string, context: DeployContext): Promise<number> {
    const root = this.#settings.tempRoot;
    const listed = await this.#folder(session, { verb: 'stale', mode: 'non-persistent', root, folder: root }, 'upload', context);
    let removed = 0;
    for (const line of listed.stdout.split(/\r?\n/)) {
      const tab = line.lastIndexOf('\t');
      if (tab < 0) continue;
      const folder = line.slice(tab + 1);
      const marker = parseMarker(line.slice(0, tab));
      if (marker === undefined || folder === location || !this.#isTemporary(folder)) continue;
      if (marker.bundle !== bundle.name || marker.mode !== 'non-persistent' || marker.runId === context.runId || !runOwnerGone(marker.owner)) continue;
      try {
        await this.#folder(session, { verb: 'remove', mode: 'non-persistent', root, folder }, 'upload', context);
        removed++;
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
      }
    }
    return removed;
  }

  /** Runs the folder script: refusals become GIPKIT_DEPLOY_UNSAFE_FOLDER, a component that does not stop GIPKIT_DEPLOY_FAILED. */
  async #folder(session: GuestSession, request: FolderRequest, step: keyof DeployContext['timeouts'], context: DeployContext): Promise<CommandResult> {
    const result = await session.run(this.#guest.folderCommand(request), this.#call(context, step));
    if (result.exitCode === FolderExit.done) return result;
    if (result.exitCode === FolderExit.refused) throw this.#failure(ErrorCode.UnsafeFolder, session, `${request.verb} of ${request.folder} (refused: not a folder of the deploying account's own)`, result);
    if (result.exitCode === FolderExit.stopFailed) throw this.#failure(ErrorCode.DeployFailed, session, `stopping the component at ${request.folder}`, result);
    throw this.#failure(ErrorCode.DeployFailed, session, `${request.verb} of ${request.folder}`, result);
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

function parseMarker(text: string): Marker | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const marker = value as Partial<Record<keyof Marker, unknown>>;
    if (marker.gipkit !== 'marker/1' || typeof marker.runId !== 'string' || typeof marker.bundle !== 'string' || typeof marker.mode !== 'string') return undefined;
    return value as Marker;
  } catch {
    return undefined;
  }
}
