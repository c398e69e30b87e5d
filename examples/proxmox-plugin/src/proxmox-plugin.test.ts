import { describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { ErrorCode, type RuleDocument } from '@gipkit/plugin-api';
import { proxmoxPlugin } from './proxmox-plugin.js';
import { PROXMOX_RULES } from './proxmox-rules.js';
import { guestAgentLab } from './testing/guest-agent-lab.js';
import { SimulatedSessionOpener } from './testing/simulated-session-opener.js';
import { proxmoxEstate, ESTATE_INVENTORY } from './testing/proxmox-estate.js';

// "Used in a plan": the plugin in an engine, with the default rules.

const engine = () => createGipkit({ plugins: [proxmoxPlugin({ guestAgent: guestAgentLab({}).agent })] });
const row = (decision: { vm: string; status: string; proxy: string | null; connection: string | null }) => [decision.vm, decision.status, decision.proxy, decision.connection];

describe('proxmoxPlugin', () => {
  it('declares the proxmox platform: without the plugin an inventory naming it is invalid', () => {
    expect(() => proxmoxEstate(createGipkit())).toThrow(expect.objectContaining({ code: ErrorCode.InputInvalid }));
    expect(engine().platforms.has('proxmox')).toBe(true);
  });

  it('registers a qemu-agent connector for proxmox, a lan connector for the families given an opener, and its rule pack', () => {
    const gipkit = engine();
    expect(gipkit.connectors.filter((c) => c.platform === 'proxmox').map((c) => c.method)).toEqual(['qemu-agent']);
    const linux = new SimulatedSessionOpener({ guests: new Map(), latencyMs: 0 });
    const withLan = createGipkit({ plugins: [proxmoxPlugin({ linux, guestAgent: guestAgentLab({}).agent })] });
    const connectors = withLan.connectors.filter((c) => c.platform === 'proxmox');
    expect(connectors.map((c) => c.method)).toEqual(['lan', 'qemu-agent']);
    expect(connectors[0]?.families).toEqual(['linux']);
    const rule = gipkit.rules.find((candidate) => candidate.name === 'qemu-agent-connection');
    expect(rule).toMatchObject({ description: expect.any(String), source: expect.stringContaining('https://pve.proxmox.com/wiki/Qemu-guest-agent') });
    expect(PROXMOX_RULES.name).toBe('@acme/gipkit-proxmox:rules');
  });

  it('plans every VM of the estate: LAN where the network reaches, the guest agent where it does not, unassigned where neither', () => {
    const gipkit = engine();
    const plan = gipkit.plan(proxmoxEstate(gipkit));
    expect(plan.decisions.map(row)).toEqual([
      ['db-lin', 'assigned', 'gip-win', 'lan'],
      ['app-win', 'assigned', 'gip-win', 'lan'],
      ['web-lin', 'assigned', 'gip-lin', 'lan'],
      ['vault-lin', 'assigned', 'gip-lin', 'qemu-agent'],
      ['vault-win', 'assigned', 'gip-win', 'qemu-agent'],
      ['ghost', 'unassigned', null, null],
      ['sql-gmsa', 'unassigned', null, null],
      ['esx-vault', 'assigned', 'gip-lin', 'vix'],
    ]);
    expect(plan.summary).toMatchObject({ assigned: 6, unassigned: 2 });
  });

  it('the default lan-connection rule names no platform: it applies to Proxmox VE VMs, and is tried before qemu-agent', () => {
    const gipkit = engine();
    const input = proxmoxEstate(gipkit);
    const chosen = gipkit.explain(input, 'db-lin').candidates.find((candidate) => candidate.verdict === 'chosen');
    expect(chosen).toMatchObject({ server: 'gip-win', methods: ['lan', 'qemu-agent'], tier: 1 });
    expect(gipkit.explain(input, 'web-lin').candidates.find((candidate) => candidate.verdict === 'chosen')?.methods).toEqual(['lan']);
  });

  it('inverseProtocolOrder: the networkless qemu-agent is tried first', () => {
    const gipkit = engine();
    const plan = gipkit.plan(proxmoxEstate(gipkit, ['db-lin', 'web-lin'], { inverseProtocolOrder: true }));
    expect(plan.decisions.map((decision) => [decision.vm, decision.connection])).toEqual([['db-lin', 'qemu-agent'], ['web-lin', 'lan']]);
    expect(gipkit.explain(proxmoxEstate(gipkit, ['db-lin'], { inverseProtocolOrder: true }), 'db-lin').candidates[1]?.methods).toEqual(['qemu-agent', 'lan']);
  });

  describe('qemu-agent-connection', () => {
    const methodsOf = (vm: 'vault-lin' | 'ghost' | 'sql-gmsa' | 'esx-vault' | 'vault-win', server = 'gip-win') => {
      const gipkit = engine();
      return gipkit.explain(proxmoxEstate(gipkit), vm).candidates.find((candidate) => candidate.server === server)?.methods;
    };

    it('allows the networkless qemu-agent method for a Proxmox VE VM whose guest agent runs: an isolated VM is served through it', () => {
      expect(methodsOf('vault-lin')).toEqual(['qemu-agent']);
      const gipkit = engine();
      const explanation = gipkit.explain(proxmoxEstate(gipkit), 'vault-win');
      expect(explanation.decision).toMatchObject({ status: 'assigned', proxy: 'gip-win', connection: 'qemu-agent', tier: 3 });
      expect(explanation.because).toContain('It connects with qemu-agent.');
    });

    it('not without the guest agent: a VM with neither agent nor known network is unassigned, and the reason names the rule', () => {
      expect(methodsOf('ghost')).toEqual([]);
      const gipkit = engine();
      const input = proxmoxEstate(gipkit);
      const ghost = gipkit.plan(input).decisions.find((decision) => decision.vm === 'ghost');
      expect(ghost?.reasons).toEqual([
        {
          rule: 'connection-method-required',
          candidates: 3,
          example: { server: 'vbr', message: expect.stringContaining('QEMU guest agent (qemu-agent-connection): needs a Proxmox VE VM whose guest agent runs') },
        },
      ]);
      expect(ghost?.reasons?.[0]?.example.message).toContain('(platform proxmox, agent false, credentials standard)');
      const explained = gipkit.explain(input, 'ghost');
      expect(explained.candidates.every((candidate) => candidate.failed.some((finding) => finding.message.includes('qemu-agent-connection')))).toBe(true);
      // The root cause names the plugin's method with the condition it failed, and no VMware or Hyper-V method.
      expect(explained.because).toEqual([
        'Root cause: no server can connect to ghost: lan: vm.addressKnown is false (needs true); qemu-agent: vm.tools is false (needs true).',
        'No server can serve ghost.',
      ]);
    });

    it('not for gMSA credentials, which work over the network only', () => {
      expect(methodsOf('sql-gmsa')).toEqual([]);
      const gipkit = engine();
      const decision = gipkit.plan(proxmoxEstate(gipkit)).decisions.find((candidate) => candidate.vm === 'sql-gmsa');
      expect(decision?.reasons?.map((reason) => reason.rule)).toEqual([
        'connection-method-required',
        'windows-guest-needs-windows-server',
        'gmsa-needs-windows-server',
        'gmsa-needs-server-in-domain',
      ]);
    });

    it('not for VMs of other platforms: a VMware VM keeps VIX', () => {
      expect(methodsOf('esx-vault')).toEqual(['vix']);
    });
  });

  it('plans without transports: the rules and the platform need none (connections then fail, naming the option)', () => {
    const gipkit = createGipkit({ plugins: [proxmoxPlugin()] });
    const withTransport = engine();
    expect(gipkit.plan(proxmoxEstate(gipkit)).decisions.map(row)).toEqual(withTransport.plan(proxmoxEstate(withTransport)).decisions.map(row));
  });

  it('its rule documents follow the rule contract: kebab-case name, description, source', () => {
    for (const rule of PROXMOX_RULES.rules as readonly RuleDocument[]) {
      expect(rule.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.source).toMatch(/^https:\/\//);
    }
    expect(ESTATE_INVENTORY.hosts[0]).toEqual({ id: 'pve-1', platform: 'proxmox', version: '8.2' });
  });
});
