import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { contentsBytes, settleWithin, type CommandResult, type GuestSession } from '@gipkit/plugin-api';

/** Runs a program on this machine, as a connector's `run` would on a guest: arguments as given, no shell. */
export function runHere(command: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [program, ...args] = command;
    const child = spawn(program ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ exitCode: 127, stdout, stderr: `${stderr}${error.message}`, truncated: false }));
    child.on('close', (code) => resolve({ exitCode: code ?? 128, stdout, stderr, truncated: false }));
  });
}

/**
 * A GuestSession on this machine (child_process and the file system): the
 * Linux deployer's real commands run for real, as over SSH.
 */
export function localSession(vm = 'localhost'): GuestSession {
  return {
    vm,
    proxy: 'this-machine',
    method: 'local',
    run: (command, options) => settleWithin(`run ${command[0] ?? ''}`, options, () => runHere(command)),
    upload: (contents, path, options) =>
      settleWithin(`upload ${path}`, options, async () => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, await contentsBytes(contents, options.signal));
        if (options.mode !== undefined) await chmod(path, options.mode);
      }),
    remove: (path, options) => settleWithin(`remove ${path}`, options, () => rm(path, { recursive: true, force: true })),
    close: async () => undefined,
  };
}

/** Every file under a folder, sorted. */
export async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name)).sort();
}

/** Process groups led by a live (not zombie) process whose working folder is under `folder`: one per started component. */
export async function processGroupsUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || group !== entry) continue;
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd !== folder && !cwd.startsWith(`${folder}/`)) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ').trim();
      found.push(`${entry} ${cmdline}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found.sort();
}

/** Kills every process group `processGroupsUnder(folder)` finds: cleanup after a test, whatever it left. */
export async function killGroupsUnder(folder: string): Promise<void> {
  for (const line of await processGroupsUnder(folder)) {
    try {
      process.kill(-Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
