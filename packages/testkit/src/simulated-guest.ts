import type { CommandResult, OsFamily } from '@gipkit/plugin-api';

/** A command the simulated guest understands: it reads and changes the guest's state. */
export type SimulatedCommand = (guest: SimulatedGuest, args: readonly string[]) => CommandResult;

const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '', truncated: false });
const fail = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: '', stderr, truncated: false });

/**
 * An in-memory guest OS: files, running processes and commands. Tests look at
 * its state afterwards ("nothing left behind").
 */
export class SimulatedGuest {
  readonly vm: string;
  readonly family: OsFamily;
  readonly files = new Map<string, Uint8Array>();
  readonly running = new Set<string>();
  readonly commands = new Map<string, SimulatedCommand>();

  constructor(vm: string, family: OsFamily) {
    this.vm = vm;
    this.family = family;
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

  /** Runs a command: the first word names it. Unknown commands exit 127. */
  run(command: readonly string[]): CommandResult {
    const [name, ...args] = command;
    const handler = this.commands.get(name ?? '');
    return handler === undefined ? fail(`command not found: ${name ?? ''}`, 127) : handler(this, args);
  }

  /** Removes a file or every file under a folder. */
  remove(path: string): void {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    for (const file of [...this.files.keys()]) if (file === path || file.startsWith(prefix)) this.files.delete(file);
    for (const process of [...this.running]) if (process === path || process.startsWith(prefix)) this.running.delete(process);
  }

  /** Paths of every file, sorted: what a test compares before and after. */
  listing(): string[] {
    return [...this.files.keys()].sort();
  }
}
