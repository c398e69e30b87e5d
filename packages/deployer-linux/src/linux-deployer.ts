import { ErrorCode, PluginError } from '@gipkit/plugin-api';
import {
  checkFolderOptions, checkHealthOptions, ControlScriptDeployer, type ControlScriptFamily, type FolderRules, type HealthCheckOptions,
} from '@gipkit/deployer-kit';
import { LINUX_CONTROL_SCRIPT, linuxControlScript, type LinuxServiceManager } from './linux-control-script.js';
import { linuxFolderScript } from './linux-folder-script.js';

export interface LinuxDeployerOptions extends HealthCheckOptions {
  /** Where non-persistent components get their per-run folder (default `/tmp`). */
  readonly tempRoot?: string;
  /** Where persistent components are installed, one folder per bundle (default `/opt/gipkit`). */
  readonly installRoot?: string;
  /**
   * How persistent components run (default `auto`): `systemd` installs a unit
   * `gipkit-<name>.service` (needs root and a running systemd); `daemon` starts a
   * background process with a pid file, restarted by the next job's deploy;
   * `auto` picks systemd when it can, else daemon.
   */
  readonly serviceManager?: LinuxServiceManager;
}

const PLUGIN_NAME = '@gipkit/deployer-linux';
const SHELL = '/bin/sh';

/** Absolute POSIX folders, kept without a trailing `/` (but `/` itself). */
const FOLDERS: FolderRules = {
  tempRoot: '/tmp',
  installRoot: '/opt/gipkit',
  problem: (folder) => (!folder.startsWith('/') || /[\u0000-\u001f\u007f]/.test(folder) ? 'must be an absolute path without control characters' : undefined),
  trim: (folder) => (folder.length > 1 ? folder.replace(/\/+$/, '') : folder),
};

function serviceManager(option: LinuxServiceManager | undefined): LinuxServiceManager {
  const manager = option ?? 'auto';
  if (!['auto', 'systemd', 'daemon'].includes(manager)) {
    throw new PluginError(ErrorCode.PluginInvalid, PLUGIN_NAME, `serviceManager must be auto, systemd or daemon (found ${JSON.stringify(manager)})`);
  }
  return manager;
}

/** Linux guests: `/bin/sh <folder>/gipkit-service.sh <verb>`, `/` paths, executables `0700`, other files `0600`, the folder script through `/bin/sh -c`. */
function linuxFamily(manager: LinuxServiceManager): ControlScriptFamily {
  return {
    family: 'linux',
    scriptName: LINUX_CONTROL_SCRIPT,
    newline: '\n',
    join: (folder, relative) => (folder === '/' ? `/${relative}` : `${folder}/${relative}`),
    command: (script, verb) => [SHELL, script, verb],
    script: (spec) => new TextEncoder().encode(linuxControlScript({ ...spec, serviceManager: manager })),
    uploadMode: (executable) => (executable ? 0o700 : 0o600),
    folderCommand: (request) => [SHELL, '-c', linuxFolderScript(request)],
    createsFolderByUpload: true,
  };
}

/**
 * Deploys a ComponentBundle into a Linux guest through the GuestSession only,
 * with a generated POSIX sh control script (`gipkit-service.sh`) in the
 * component's folder. See docs/reference/deployers.md.
 */
export class LinuxDeployer extends ControlScriptDeployer {
  constructor(options: LinuxDeployerOptions = {}) {
    const folders = checkFolderOptions(PLUGIN_NAME, options, FOLDERS);
    const manager = serviceManager(options.serviceManager);
    super(linuxFamily(manager), { ...folders, ...checkHealthOptions(PLUGIN_NAME, options) });
  }
}
