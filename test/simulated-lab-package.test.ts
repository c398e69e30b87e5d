import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as simulatedLab from '@gipkit/simulated-lab';
import * as testkit from '@gipkit/testkit';
import { ROOT } from './cli-harness.js';

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js')).map((file) => join(folder, file));
}

describe('the simulated lab lives where the CLI can use it without a testing package', () => {
  it('@gipkit/cli does not depend on @gipkit/testkit at run time: not in its dependencies, not imported by its built code', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as Manifest;
    const runtime = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
    expect(Object.keys(runtime)).not.toContain('@gipkit/testkit');
    expect(Object.keys(runtime)).toContain('@gipkit/simulated-lab');
    const built = filesUnder(join(ROOT, 'packages/cli/dist'));
    expect(built.length).toBeGreaterThan(0);
    expect(built.filter((file) => readFileSync(file, 'utf8').includes('@gipkit/testkit'))).toEqual([]);
  });

  it('@gipkit/simulated-lab does not depend on the testing package or on vitest', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/simulated-lab/package.json'), 'utf8')) as Manifest;
    expect(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })).toEqual(['@gipkit/core', '@gipkit/plugin-api']);
  });

  it('the testkit re-exports the same classes and loader: a lab made through either is one SimulatedLab', () => {
    expect(testkit.SimulatedLab).toBe(simulatedLab.SimulatedLab);
    expect(testkit.SimulatedGuest).toBe(simulatedLab.SimulatedGuest);
    expect(testkit.SimulatedConnector).toBe(simulatedLab.SimulatedConnector);
    expect(testkit.loadLabFile).toBe(simulatedLab.loadLabFile);
  });
});
