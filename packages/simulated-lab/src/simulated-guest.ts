import type { CommandResult, OsFamily } from '@gipkit/plugin-api';

/** A command the simulated guest understands: it reads and changes the guest's state. */
export type SimulatedCommand = (guest: SimulatedGuest, args: readonly string[]) => CommandResult;

export interface SimulatedGuestOptions {
  /** Every health check of a component started through a control script exits 1 (default false). */
  readonly failHealth?: boolean;
  /**
   * Linux: whether `install` finds systemd (the user is root and systemd runs). Without it, a
   * control script in `auto` mode installs a daemon with a pid file. Default true.
   */
  readonly systemd?: boolean;
  /** The account sessions act as (default `gipkit`): it owns the folders the deployer's folder scripts make. */
  readonly account?: string;
}

/**
 * A folder the simulation knows more about than its files: who owns it and whether others may write to it
 * (a mode with group or other write bits, an ACL entry for another identity), or that it is a symbolic link.
 * A folder with files but no entry was made by an upload of the guest's account: owned by it, not writable by others.
 */
export interface SimulatedFolder {
  readonly owner: string;
  readonly othersMayWrite: boolean;
  readonly link?: boolean;
}

/** A component the simulated guest runs, started through a control script. */
export interface SimulatedProcess {
  readonly pid: number;
  /** The component's folder, where it was started. */
  readonly folder: string;
  readonly command: readonly string[];
  /** The service it runs as, when started by a service manager. */
  readonly service?: string;
}

/** A service installed through a control script's `install` verb. */
export interface SimulatedService {
  readonly name: string;
  readonly kind: 'systemd' | 'windows-service';
  readonly folder: string;
  readonly command: readonly string[];
}

/** The first line (after `#!`) of every control script; see docs/reference/deployers.md. */
const CONTROL_SCRIPT_HEADER = '# gipkit-control-script v1';
/** The first line of a deployer's folder script (`/bin/sh -c <script>`, `powershell … -EncodedCommand <base64>`). */
const FOLDER_SCRIPT_HEADER = '# gipkit-folder-script v1';
const MARKER_FILE = 'gipkit-service.run';
const METADATA_LINE = /^# gipkit-([a-z-]+): (.*)$/;

/**
 * The `# gipkit-KEY: VALUE` lines right after a script's header line, which
 * must be among its first `lastHeaderLine + 1` lines; undefined when it is not.
 * Reads line by line up to the first other line: a script is read to its
 * metadata only (a run reads thousands of them).
 */
function headerMetadata(source: string, header: string, lastHeaderLine: number, mustEnd = false): Map<string, string> | undefined {
  let at = 0;
  const next = (): string | undefined => {
    if (at >= source.length) return undefined;
    const end = source.indexOf('\n', at);
    const line = source.slice(at, end < 0 ? source.length : end);
    at = end < 0 ? source.length + 1 : end + 1;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  let line = next();
  for (let index = 0; line !== undefined && line.trimEnd() !== header; index++) {
    if (index >= lastHeaderLine) return undefined;
    line = next();
  }
  if (line === undefined) return undefined;
  const metadata = new Map<string, string>();
  for (line = next(); line !== undefined; line = next()) {
    const match = METADATA_LINE.exec(line.trimEnd());
    if (match === null) return metadata;
    metadata.set(match[1] ?? '', match[2] ?? '');
  }
  // With `mustEnd`, `source` is only the start of a script: metadata that runs to its end may go on further.
  return mustEnd ? undefined : metadata;
}

/** A PowerShell flag, in any case; the length first, so that a long argument (an encoded script) is never lower-cased. */
const isFlag = (word: string, flag: string): boolean => word.length === flag.length && word.toLowerCase() === flag;

/** Base64 characters of an encoded command decoded first: 1,536 bytes, whole UTF-16 characters. */
const ENCODED_HEAD = 2048;
const PID_FILE = 'gipkit-service.pid';
const LOG_FILE = 'gipkit-service.log';
const MODE_FILE = 'gipkit-service.mode';
const SHELLS = new Set(['/bin/sh', 'sh', '/usr/bin/sh', '/bin/bash', 'bash', '/usr/bin/bash', '/bin/dash']);
const POWERSHELL = /(^|[\\/])(powershell|pwsh)(\.exe)?$/i;

const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '', truncated: false });
const fail = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: '', stderr, truncated: false });
const text = (contents: Uint8Array | undefined): string | undefined => (contents === undefined ? undefined : new TextDecoder().decode(contents));
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

interface ControlScript {
  readonly family: OsFamily;
  readonly name: string;
  readonly mode: string;
  readonly folder: string;
  readonly serviceManager: string;
  readonly start: readonly string[];
}

/**
 * An in-memory guest OS: files, running processes, installed services and
 * commands. Tests look at its state afterwards ("nothing left behind").
 *
 * Besides the commands in `commands`, it emulates the gipkit control-script
 * protocol (docs/reference/deployers.md): `['/bin/sh', <script>, <verb>]` on
 * Linux and `['powershell.exe', …, '-File', <script>, <verb>]` on Windows run
 * an uploaded script whose header says `# gipkit-control-script v1`.
 */
export class SimulatedGuest {
  readonly vm: string;
  readonly family: OsFamily;
  readonly files = new Map<string, Uint8Array>();
  /** Paths started with the plain `start` command; removing their folder stops them. */
  readonly running = new Set<string>();
  /** Components started through control scripts, by pid; removing their folder does not stop them. */
  readonly processes = new Map<number, SimulatedProcess>();
  /** Services installed through control scripts, by name. */
  readonly services = new Map<string, SimulatedService>();
  readonly commands = new Map<string, SimulatedCommand>();
  /** Every health check of a control-script component exits 1 while true. */
  failHealth: boolean;
  readonly systemd: boolean;
  readonly account: string;
  /** Folders with an owner, by path (see `SimulatedFolder`); a test adds one to plant a foreign folder. */
  readonly folders = new Map<string, SimulatedFolder>();
  #nextPid = 1000;

  constructor(vm: string, family: OsFamily, options: SimulatedGuestOptions = {}) {
    this.vm = vm;
    this.family = family;
    this.failHealth = options.failHealth ?? false;
    this.systemd = options.systemd ?? true;
    this.account = options.account ?? 'gipkit';
    this.commands.set('start', (guest, [path]) => {
      if (path === undefined || !guest.files.has(path)) return fail(`no such file: ${path ?? ''}`, 127);
      guest.running.add(path);
      return ok();
    });
    this.commands.set('stop', (guest, [path]) => (guest.running.delete(path ?? '') ? ok() : fail(`not running: ${path ?? ''}`)));
    this.commands.set('running', (guest, [path]) => (guest.running.has(path ?? '') ? ok('running') : fail('not running', 3)));
    this.commands.set('cat', (guest, [path]) => {
      const contents = guest.files.get(path ?? '');
      return contents === undefined ? fail(`no such file: ${path ?? ''}`) : ok(new TextDecoder().decode(contents));
    });
  }

  /**
   * Runs a command: a control-script call (see the class comment), or a
   * command of `commands` named by the first word. Unknown commands exit 127.
   */
  run(command: readonly string[]): CommandResult {
    const folderScript = this.#folderScriptCall(command);
    if (folderScript !== undefined) return this.#runFolderScript(folderScript);
    const call = this.#controlScriptCall(command);
    if (call !== undefined) return this.#runControlScript(call.script, call.verb);
    const [name, ...args] = command;
    const handler = this.commands.get(name ?? '');
    return handler === undefined ? fail(`command not found: ${name ?? ''}`, 127) : handler(this, args);
  }

  /** Removes a file or every file under a folder (`/` or `\` separated), and the `running` entries under it. */
  remove(path: string): void {
    const under = (candidate: string): boolean =>
      candidate === path || (this.#separators(path).some((separator) => candidate.startsWith(path.endsWith(separator) ? path : `${path}${separator}`)));
    for (const file of [...this.files.keys()]) if (under(file)) this.files.delete(file);
    for (const process of [...this.running]) if (under(process)) this.running.delete(process);
    for (const folder of [...this.folders.keys()]) if (under(folder)) this.folders.delete(folder);
  }

  /** Paths of every file, sorted: what a test compares before and after. */
  listing(): string[] {
    return [...this.files.keys()].sort();
  }

  /** What runs, one line per process, sorted: `running` paths and control-script components. */
  processList(): string[] {
    const components = [...this.processes.values()].map(
      (process) => `${process.pid} ${process.command.join(' ')} (in ${process.folder}${process.service === undefined ? '' : `, service ${process.service}`})`,
    );
    return [...this.running, ...components].sort();
  }

  #separators(path: string): string[] {
    return this.family === 'windows' || path.includes('\\') ? ['\\', '/'] : ['/'];
  }

  #join(folder: string, name: string): string {
    return this.family === 'windows' ? `${folder}\\${name.replaceAll('/', '\\')}` : `${folder}/${name}`;
  }

  /** The metadata of a deployer's folder script call (`verb`, `mode`, `root`, `folder`), or undefined when `command` is not one. */
  folderScriptOf(command: readonly string[]): ReadonlyMap<string, string> | undefined {
    return this.#folderScriptCall(command);
  }

  #folderScriptCall(command: readonly string[]): Map<string, string> | undefined {
    const [program] = command;
    let source: string | undefined;
    if (program !== undefined && SHELLS.has(program) && command[1] === '-c') source = command[2];
    else if (program !== undefined && POWERSHELL.test(program)) {
      const at = command.findIndex((word) => isFlag(word, '-encodedcommand'));
      const encoded = at < 0 ? undefined : command[at + 1];
      if (encoded !== undefined) {
        // The metadata is at the top: the first 2,048 characters are decoded, and the whole only when it runs on past them.
        const head = Buffer.from(encoded.slice(0, ENCODED_HEAD), 'base64').toString('utf16le');
        const complete = head.slice(0, head.lastIndexOf('\n') + 1);
        const metadata = encoded.length > ENCODED_HEAD ? headerMetadata(complete, FOLDER_SCRIPT_HEADER, 0, true) : undefined;
        if (metadata !== undefined) return metadata;
        source = Buffer.from(encoded, 'base64').toString('utf16le');
      }
    }
    return source === undefined ? undefined : headerMetadata(source, FOLDER_SCRIPT_HEADER, 0);
  }

  /** What a folder script does (docs/reference/deployers.md, "Folder safety"), on the simulation's model of owners. */
  #runFolderScript(metadata: Map<string, string>): CommandResult {
    const verb = metadata.get('verb') ?? '';
    const mode = metadata.get('mode') ?? 'non-persistent';
    const root = metadata.get('root') ?? '';
    const folder = metadata.get('folder') ?? '';
    const separator = this.#separators(folder)[0] ?? '/';
    const inside = (path: string, parent: string): boolean => path.startsWith(`${parent}${separator}`);
    const exists = (path: string): boolean => this.folders.has(path) || [...this.files.keys()].some((file) => inside(file, path));
    const problem = (path: string): string | undefined => {
      if (this.files.has(path)) return `${path} is not a folder`;
      const known = this.folders.get(path) ?? { owner: this.account, othersMayWrite: false };
      if (known.link === true) return `${path} is a symbolic link`;
      const keepers = mode === 'persistent' ? [this.account, 'root', 'SYSTEM'] : [this.account];
      if (!keepers.includes(known.owner)) return `${path} belongs to ${known.owner}, not to ${this.account}`;
      if (known.othersMayWrite) return `${path} can be written to by others`;
      return undefined;
    };
    const stop = (): CommandResult | undefined => {
      const script = [...this.files.keys()].find((file) => inside(file, folder) && /gipkit-service\.(sh|ps1)$/.test(file) && file.slice(folder.length + 1).indexOf(separator) < 0);
      const parsed = script === undefined ? undefined : this.#parseControlScript(text(this.files.get(script)));
      if (parsed !== undefined) this.#runControlScript(parsed, 'stop');
      return undefined;
    };
    switch (verb) {
      case 'check': {
        if (!exists(folder)) return ok('absent\n');
        const why = problem(folder);
        return why === undefined ? ok('present\n') : fail(why, 3);
      }
      case 'prepare': {
        if (!exists(folder)) this.folders.set(folder, { owner: this.account, othersMayWrite: false });
        const why = problem(folder);
        if (why !== undefined) return fail(why, 3);
        stop();
        for (const file of [...this.files.keys()]) if (inside(file, folder) && file !== this.#join(folder, MARKER_FILE)) this.files.delete(file);
        return ok();
      }
      case 'remove': {
        if (!exists(folder)) return ok();
        const why = problem(folder);
        if (why !== undefined) return fail(why, 3);
        stop();
        this.remove(folder);
        return ok();
      }
      case 'stale': {
        const lines: string[] = [];
        const candidates = new Set([...this.folders.keys(), ...[...this.files.keys()].map((file) => file.slice(0, file.lastIndexOf(separator)))]);
        for (const candidate of candidates) {
          const name = candidate.slice(root.length + 1);
          if (!inside(candidate, root) || !name.startsWith('gipkit-') || name.includes(separator) || problem(candidate) !== undefined) continue;
          const marker = text(this.files.get(this.#join(candidate, MARKER_FILE)));
          if (marker !== undefined) lines.push(`${marker.split(/\r?\n/)[0] ?? ''}\t${candidate}`);
        }
        return ok(lines.map((line) => `${line}\n`).join(''));
      }
      default:
        return fail('usage: check|prepare|remove|stale', 4);
    }
  }

  #controlScriptCall(command: readonly string[]): { script: ControlScript; verb: string } | undefined {
    let path: string | undefined;
    let verb: string | undefined;
    const [program] = command;
    if (program === undefined) return undefined;
    if (SHELLS.has(program)) {
      [, path, verb] = command;
    } else if (POWERSHELL.test(program)) {
      const at = command.findIndex((word) => isFlag(word, '-file'));
      if (at < 0) return undefined;
      path = command[at + 1];
      verb = command[at + 2];
    } else {
      return undefined;
    }
    if (path === undefined) return undefined;
    const script = this.#parseControlScript(text(this.files.get(path)));
    return script === undefined ? undefined : { script, verb: verb ?? '' };
  }

  #parseControlScript(source: string | undefined): ControlScript | undefined {
    if (source === undefined) return undefined;
    const metadata = headerMetadata(source, CONTROL_SCRIPT_HEADER, 1);
    if (metadata === undefined) return undefined;
    const start = parseArgv(metadata.get('start'));
    const folder = metadata.get('folder');
    const name = metadata.get('name');
    if (start === undefined || folder === undefined || name === undefined) return undefined;
    return {
      family: metadata.get('family') === 'windows' ? 'windows' : 'linux',
      name,
      mode: metadata.get('mode') ?? 'non-persistent',
      folder,
      serviceManager: metadata.get('service-manager') ?? 'auto',
      start,
    };
  }

  #runControlScript(script: ControlScript, verb: string): CommandResult {
    const serviceName = `gipkit-${script.name}`;
    const modeFile = this.#join(script.folder, MODE_FILE);
    const pidFile = this.#join(script.folder, PID_FILE);
    const installedAs = (): string => text(this.files.get(modeFile))?.trim() ?? 'daemon';
    const component = (): SimulatedProcess | undefined => {
      if (installedAs() !== 'daemon') return [...this.processes.values()].find((process) => process.service === serviceName);
      const pid = Number(text(this.files.get(pidFile))?.trim());
      return this.processes.get(pid);
    };
    const launch = (service?: string): SimulatedProcess | undefined => {
      const [program] = script.start;
      // A relative path with a separator (`./agent`, `bin\\agent.exe`) names a file of the folder; it must be there.
      const inFolder = program !== undefined && !/^([\\/]|[A-Za-z]:)/.test(program) && /[\\/]/.test(program);
      if (program === undefined || (inFolder && !this.files.has(this.#join(script.folder, program.replace(/^\.[\\/]/, ''))))) return undefined;
      const process: SimulatedProcess = { pid: this.#nextPid++, folder: script.folder, command: script.start, ...(service === undefined ? {} : { service }) };
      this.processes.set(process.pid, process);
      return process;
    };
    switch (verb) {
      case 'start': {
        if (component() !== undefined) return ok('already running\n');
        if (installedAs() !== 'daemon') {
          if (!this.services.has(serviceName)) return fail(`service ${serviceName} is not installed`);
          return launch(serviceName) === undefined ? fail(`service ${serviceName} failed to start`) : ok();
        }
        const process = launch();
        if (script.family === 'linux') {
          const log = process === undefined ? `${script.start[0] ?? ''}: not found\n` : '';
          this.files.set(this.#join(script.folder, LOG_FILE), bytes(log));
        }
        // As the real scripts: the component starts in the background; if it dies at once, only health tells.
        this.files.set(pidFile, bytes(`${process?.pid ?? this.#nextPid++}\n`));
        return ok();
      }
      case 'stop': {
        const process = component();
        if (process !== undefined) this.processes.delete(process.pid);
        this.files.delete(pidFile);
        return ok();
      }
      case 'status':
        return component() === undefined ? fail('not running', 3) : ok('running\n');
      case 'health':
        if (component() === undefined) return fail('component not running', 3);
        return this.failHealth ? fail('health check failed (simulated fault)') : ok();
      case 'install': {
        if (script.mode !== 'persistent') return fail('install: only persistent components are installed as services', 2);
        if (script.family === 'windows') {
          this.services.set(serviceName, { name: serviceName, kind: 'windows-service', folder: script.folder, command: script.start });
          this.files.set(modeFile, bytes('windows-service\n'));
          return ok(`installed as windows-service ${serviceName}\n`);
        }
        const systemd = script.serviceManager === 'systemd' || (script.serviceManager === 'auto' && this.systemd);
        if (systemd && !this.systemd) return fail('systemd is not available (not root, or systemd does not run)');
        if (systemd) {
          this.services.set(serviceName, { name: serviceName, kind: 'systemd', folder: script.folder, command: script.start });
          this.files.set(`/etc/systemd/system/${serviceName}.service`, bytes(`[Service]\nExecStart=/bin/sh ${script.folder}/gipkit-service.sh run\n`));
        }
        this.files.set(modeFile, bytes(systemd ? 'systemd\n' : 'daemon\n'));
        return ok(`installed as ${systemd ? 'systemd' : 'daemon'}\n`);
      }
      case 'uninstall': {
        const process = component();
        if (process !== undefined) this.processes.delete(process.pid);
        this.services.delete(serviceName);
        this.files.delete(`/etc/systemd/system/${serviceName}.service`);
        this.files.delete(modeFile);
        this.files.delete(pidFile);
        return ok();
      }
      case 'version': {
        const version = text(this.files.get(this.#join(script.folder, 'VERSION')));
        return version === undefined ? fail('not installed: no VERSION file') : ok(version);
      }
      default:
        return fail(`usage: gipkit-service start|stop|status|health|install|uninstall|version (got "${verb}")`, 2);
    }
  }
}

function parseArgv(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((word) => typeof word === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}
