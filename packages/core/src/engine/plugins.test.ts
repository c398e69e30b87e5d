import { describe, expect, it } from 'vitest';
import { ErrorCode, PluginError, RuleError, type Plugin, type PluginRegistry } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';
import { smallInventory, smallJob } from './engine.fixture.js';

const plugin = (name: string, setup: (registry: PluginRegistry) => void, extra: Partial<Plugin> = {}): Plugin => ({ name, apiVersion: 1, setup, ...extra });

describe('plugins', () => {
  it('a plugin adds a platform, a fact, an operator and a rule that reads them', () => {
    const proxmox = plugin('@acme/gipkit-proxmox', (registry) => {
      registry.addPlatform({ name: 'proxmox', description: 'Proxmox VE' });
      registry.addFact({ name: 'vm.agent', scope: 'vm', description: 'QEMU guest agent runs', value: ({ vm }) => vm.id.startsWith('agent-') });
      registry.addOperator({ name: 'isTrue', description: 'the fact is true', evaluate: (fact) => fact === true });
      registry.addRules({
        name: '@acme/gipkit-proxmox',
        rules: [
          {
            name: 'qemu-guest-agent-connection',
            description: 'Networkless connection to Proxmox VMs through the QEMU guest agent.',
            conditions: { all: [{ fact: 'vm.platform', operator: 'equal', value: 'proxmox' }, { fact: 'vm.agent', operator: 'isTrue', value: null }] },
            event: { type: 'method', params: { method: 'qemu-guest-agent', kind: 'networkless' } },
          },
        ],
      });
    });
    const gipkit = createGipkit({ plugins: [proxmox] });
    const inventory = {
      ...smallInventory,
      hosts: [...smallInventory.hosts, { id: 'pve', platform: 'proxmox', version: '8.2' }],
      vms: [{ id: 'agent-db', host: 'pve', guest: { family: 'linux' } }],
    };
    const plan = gipkit.plan(gipkit.validateInput({ inventory, job: { ...smallJob, vms: ['agent-db'] } }));
    expect(plan.decisions[0]).toMatchObject({ status: 'assigned', proxy: 'win-hq', tier: 3, connection: 'qemu-guest-agent' });
  });

  it('an unknown platform is an input error until a plugin declares it', () => {
    const inventory = { ...smallInventory, hosts: [{ id: 'pve', platform: 'proxmox', version: '8.2' }], vms: [] };
    expect(() => createGipkit().validateInput({ inventory, job: { ...smallJob, vms: [] } })).toThrow(/hosts\[0\]\.platform: unknown platform/);
  });

  it('checks apiVersion, names and dependsOn before any setup runs', () => {
    let ran = false;
    const runs = plugin('a', () => (ran = true));
    expect(() => createGipkit({ plugins: [runs, { ...plugin('b', () => undefined), apiVersion: 2 as 1 }] })).toThrow(
      expect.objectContaining({ code: ErrorCode.PluginApiVersion, plugin: 'b' }),
    );
    expect(() => createGipkit({ plugins: [runs, plugin('a', () => undefined)] })).toThrow(expect.objectContaining({ code: ErrorCode.PluginDuplicate }));
    expect(() => createGipkit({ plugins: [plugin('c', () => undefined, { dependsOn: ['missing'] })] })).toThrow(
      expect.objectContaining({ code: ErrorCode.PluginDependencyMissing }),
    );
    expect(ran).toBe(false);
  });

  it('sets up dependencies first and disposes in reverse order', () => {
    const order: string[] = [];
    const first = plugin('first', (registry) => {
      order.push('setup first');
      registry.onDispose(() => order.push('dispose first'));
    });
    const second = plugin(
      'second',
      (registry) => {
        order.push('setup second');
        registry.onDispose(() => order.push('dispose second'));
      },
      { dependsOn: ['first'] },
    );
    createGipkit({ plugins: [second, first] }).dispose();
    expect(order).toEqual(['setup first', 'setup second', 'dispose second', 'dispose first']);
  });

  it('freezes the registry when the engine starts', () => {
    let kept: PluginRegistry | undefined;
    createGipkit({ plugins: [plugin('late', (registry) => (kept = registry))] });
    expect(() => kept?.addOperator({ name: 'late', description: '', evaluate: () => true })).toThrow(
      expect.objectContaining({ code: ErrorCode.RegistryFrozen }),
    );
  });

  it('a failing setup is a PluginError naming the plugin', () => {
    const broken = plugin('broken', () => {
      throw new Error('boom');
    });
    expect(() => createGipkit({ plugins: [broken] })).toThrow(PluginError);
    expect(() => createGipkit({ plugins: [broken] })).toThrow(/plugin broken: setup failed: boom/);
  });

  it('a plugin rule with a problem fails at setup with every problem listed', () => {
    const bad = plugin('bad', (registry) =>
      registry.addRules({
        name: 'bad',
        rules: [
          {
            name: 'Bad Name',
            description: '',
            conditions: { all: [{ fact: 'server.nope', operator: 'equalish', value: 1 }] },
            event: { type: 'exclude', params: { message: 'x {vm.nope}' } },
          },
        ],
      }),
    );
    try {
      createGipkit({ plugins: [bad] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleError);
      const messages = (error as RuleError).diagnostics.map((d) => `${d.path}: ${d.message}`);
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/rules\[0\]\.name: name must be kebab-case/),
          expect.stringMatching(/description: a rule needs a description/),
          expect.stringMatching(/conditions\.all\[0\]\.fact: unknown fact/),
          expect.stringMatching(/conditions\.all\[0\]\.operator: unknown operator/),
          expect.stringMatching(/unknown fact \{vm\.nope\}/),
        ]),
      );
    }
  });

  it('each engine has its own container: plugins of one do not leak into another', () => {
    const withPlugin = createGipkit({ plugins: [plugin('p', (registry) => registry.addPlatform({ name: 'xen', description: 'Xen' }))] });
    const plain = createGipkit();
    expect(withPlugin.platforms.has('xen')).toBe(true);
    expect(plain.platforms.has('xen')).toBe(false);
  });
});
