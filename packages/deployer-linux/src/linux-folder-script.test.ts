import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LINUX_CONTROL_SCRIPT } from './linux-control-script.js';
import { linuxFolderScript } from './linux-folder-script.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function sleeper(args: readonly string[], cwd: string): { child: ChildProcess; ended: Promise<NodeJS.Signals | null> } {
  const child = spawn('/bin/sh', args, { cwd, stdio: 'ignore' });
  children.push(child);
  return { child, ended: new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal))) };
}

describe('remove ends what still runs from a folder (a run cancelled during a health check leaves nothing)', () => {
  it('processes working in the folder, or running its control script, are ended before it goes; others are not touched', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gipkit-folder-script-'));
    try {
      const folder = join(root, 'gipkit-run-hello-agent');
      await mkdir(folder, { mode: 0o700 });
      // A health check cut short: its shell and its `sleep`, working in the folder; a control script call by path.
      const inside = sleeper(['-c', 'sleep 30; :'], folder);
      const control = sleeper(['-c', 'sleep 30; :', `${folder}/${LINUX_CONTROL_SCRIPT}`], root);
      const elsewhere = sleeper(['-c', 'sleep 30; :'], root);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const result = spawnSync('/bin/sh', ['-c', linuxFolderScript({ verb: 'remove', mode: 'non-persistent', root, folder })], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(existsSync(folder)).toBe(false);
      expect(await inside.ended).toBe('SIGKILL');
      expect(await control.ended).toBe('SIGKILL');
      expect(elsewhere.child.exitCode).toBeNull();
      expect(elsewhere.child.signalCode).toBeNull();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
