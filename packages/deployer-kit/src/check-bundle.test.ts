import { describe, expect, it } from 'vitest';
import { ErrorCode, type ComponentBundle } from '@gipkit/plugin-api';
import { checkBundle, folderSafe } from './check-bundle.js';

const file = (path: string) => ({ path, contents: new Uint8Array() });
const bundle = (overrides: Partial<ComponentBundle> = {}): ComponentBundle => ({
  name: 'hello-agent', version: '1.0.0', files: [file('agent.sh')], start: { linux: ['/bin/sh', 'agent.sh'] }, health: { linux: ['/bin/sh', 'health.sh'] }, ...overrides,
});

describe('checkBundle', () => {
  it('accepts a bundle with a safe name and version, relative files and commands for the family', () => {
    expect(() => checkBundle(bundle({ files: [file('agent.sh'), file('bin/agent')] }), 'linux')).not.toThrow();
  });

  it('lists every problem in one GIPKIT_BUNDLE_INVALID error, before any session call', () => {
    const broken = bundle({
      name: 'Hello Agent', version: '../1',
      files: [file('/etc/passwd'), file('a/../b'), file('VERSION'), file('gipkit-service.sh'), file('x\\y'), file('agent.sh'), file('agent.sh')],
    });
    let error: unknown;
    try {
      checkBundle(broken, 'windows');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: ErrorCode.BundleInvalid });
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('bundle "Hello Agent" cannot be deployed to windows guests:');
    expect(lines.slice(1)).toEqual([
      expect.stringContaining('name must match'),
      expect.stringContaining('version must match'),
      expect.stringContaining('files[0].path must be relative'),
      expect.stringContaining('files[1].path must be relative'),
      expect.stringContaining('files[2].path is a name the deployer writes itself'),
      expect.stringContaining('files[3].path is a name the deployer writes itself'),
      expect.stringContaining('files[4].path must be relative'),
      expect.stringContaining('files[6].path appears twice'),
      '  start.windows: a command is needed for windows guests',
      '  health.windows: a command is needed for windows guests',
    ]);
  });
});

describe('folderSafe', () => {
  it('keeps [A-Za-z0-9._-], turns anything else into -, and never gives an empty or dot-only name', () => {
    expect(folderSafe('run-7.a_B')).toBe('run-7.a_B');
    expect(folderSafe('job:1/2 x')).toBe('job-1-2-x');
    expect(folderSafe('')).toBe('run');
    expect(folderSafe('..')).toBe('run');
  });
});
