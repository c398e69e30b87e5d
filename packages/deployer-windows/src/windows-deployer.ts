import {
  checkFolderOptions, checkHealthOptions, ControlScriptDeployer, type ControlScriptFamily, type FolderRules, type HealthCheckOptions,
} from '@gipkit/deployer-kit';
import { CONTROL_SCRIPT_BODY, controlScriptHead, POWERSHELL, WINDOWS_CONTROL_SCRIPT } from './windows-control-script.js';
import { windowsFolderCommand } from './windows-folder-script.js';

export interface WindowsDeployerOptions extends HealthCheckOptions {
  /** Where non-persistent components get their per-run folder (default `C:\Windows\Temp`). */
  readonly tempRoot?: string;
  /** Where persistent components are installed, one folder per bundle (default `C:\Program Files\gipkit`). */
  readonly installRoot?: string;
}

const PLUGIN_NAME = '@gipkit/deployer-windows';
/** UTF-8 byte order mark: Windows PowerShell 5.1 reads a script without one in the ANSI code page. */
const BOM = '\uFEFF';

const UTF8 = new TextEncoder();
let bodyBytes: Uint8Array | undefined;

/** Absolute Windows folders with backslashes (`C:\Folder`), kept without a trailing `\` (a drive root as `C:`). */
const FOLDERS: FolderRules = {
  tempRoot: 'C:\\Windows\\Temp',
  installRoot: 'C:\\Program Files\\gipkit',
  problem: (folder) =>
    !/^[A-Za-z]:\\/.test(folder) || /[\u0000-\u001f\u007f/]/.test(folder) ? 'must be an absolute path like C:\\Folder, with backslashes, without control characters' : undefined,
  trim: (folder) => (folder.length > 3 ? folder.replace(/\\+$/, '') : folder.slice(0, 2)),
};

/** Windows guests: `powershell.exe … -File <folder>\gipkit-service.ps1 <verb>`, `\` paths, the script in UTF-8 with a BOM and CRLF line ends, folder scripts as `-EncodedCommand`. */
const WINDOWS: ControlScriptFamily = {
  family: 'windows',
  scriptName: WINDOWS_CONTROL_SCRIPT,
  newline: '\r\n',
  join: (folder, relative) => `${folder}\\${relative.replaceAll('/', '\\')}`,
  command: (script, verb) => [...POWERSHELL, '-File', script, verb],
  script: (spec) => {
    // The same bytes as encoding the whole script: its unchanging body is encoded once.
    const head = UTF8.encode(`${BOM}${controlScriptHead(spec).replaceAll('\n', '\r\n')}`);
    bodyBytes ??= UTF8.encode(CONTROL_SCRIPT_BODY.replaceAll('\n', '\r\n'));
    const bytes = new Uint8Array(head.length + bodyBytes.length);
    bytes.set(head);
    bytes.set(bodyBytes, head.length);
    return bytes;
  },
  folderCommand: windowsFolderCommand,
  // The folder script creates it with its protected ACL: a folder made by an upload would inherit the root's.
  createsFolderByUpload: false,
};

/**
 * Deploys a ComponentBundle into a Windows guest through the GuestSession
 * only, with a generated PowerShell control script (`gipkit-service.ps1`) in
 * the component's folder. See docs/reference/deployers.md.
 */
export class WindowsDeployer extends ControlScriptDeployer {
  constructor(options: WindowsDeployerOptions = {}) {
    super(WINDOWS, { ...checkFolderOptions(PLUGIN_NAME, options, FOLDERS), ...checkHealthOptions(PLUGIN_NAME, options) });
  }
}
