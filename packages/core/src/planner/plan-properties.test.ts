import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGipkit } from '../index.js';
import { hosts, networks } from '../rules/rules.fixture.js';

// Invariants of selection on random estates.

const ADDRESS = { hq: '10.1.0.', branch: '10.2.0.', dmz: '10.99.0.' } as const;
const place = fc.constantFrom<keyof typeof ADDRESS | 'none'>('hq', 'branch', 'dmz', 'none');

const server = fc.record({
  family: fc.constantFrom('windows', 'linux'),
  place,
  managed: fc.boolean(),
  hardened: fc.boolean(),
  domain: fc.constantFrom('corp.example', 'lab.example', undefined),
  powershell: fc.constantFrom('5.1', undefined),
  runningTasks: fc.integer({ min: 0, max: 4 }),
});
const vm = fc.record({
  family: fc.constantFrom('windows', 'linux'),
  version: fc.constantFrom('2012 R2', '2016', '2019', '10'),
  host: fc.constantFrom(...hosts.map((host) => host.id)),
  place,
  tools: fc.boolean(),
  gmsa: fc.constantFrom(undefined, 'corp.example', 'any'),
});
const estate = fc.record({
  servers: fc.array(server, { minLength: 1, maxLength: 10 }),
  vms: fc.array(vm, { minLength: 1, maxLength: 16 }),
  preferred: fc.option(fc.array(fc.nat(9), { minLength: 1, maxLength: 4 }), { nil: undefined }),
  fallback: fc.constantFrom('backup-server', 'fail'),
  inverseProtocolOrder: fc.boolean(),
});

type Estate = typeof estate extends fc.Arbitrary<infer T> ? T : never;

function build(e: Estate) {
  const servers = e.servers.map((s, i) => ({
    id: `s${i}`,
    os: { family: s.family },
    addresses: s.place === 'none' ? [] : [`${ADDRESS[s.place]}${10 + i}`],
    managed: s.managed,
    hardened: s.family === 'linux' && s.hardened,
    ...(s.family === 'windows' && s.domain !== undefined ? { domain: s.domain } : {}),
    ...(s.powershell === undefined ? {} : { powershell: s.powershell }),
    runningTasks: s.runningTasks,
  }));
  const vms = e.vms.map((v, i) => ({
    id: `v${i}`,
    host: v.host,
    guest: { family: v.family, version: v.version },
    addresses: v.place === 'none' ? [] : [`${ADDRESS[v.place]}${100 + i}`],
    tools: v.tools,
  }));
  const vmCredentials = Object.fromEntries(
    e.vms.flatMap((v, i) => (v.gmsa === undefined ? [] : [[`v${i}`, { kind: 'gmsa', account: 'CORP\\g$', ...(v.gmsa === 'any' ? {} : { domain: v.gmsa }) }]])),
  );
  const preferred = e.preferred?.map((i) => servers[i % servers.length]!.id);
  return {
    inventory: { backupServer: 's0', networks, hosts, servers, vms },
    job: {
      id: 'random',
      vms: vms.map((v) => v.id),
      guestProcessing: { applicationAware: true },
      credentials: { kind: 'standard', account: 'CORP\\backup' },
      vmCredentials,
      proxy: preferred === undefined ? { mode: 'automatic' } : { mode: 'preferred', servers: [...new Set(preferred)], fallback: e.fallback },
      inverseProtocolOrder: e.inverseProtocolOrder,
    },
  };
}

describe('selection invariants on random estates', () => {
  it('no Linux proxy for a Windows guest or a gMSA; lowest eligible tier; least load; inventory order breaks ties', () => {
    fc.assert(
      fc.property(estate, (e) => {
        const data = build(e);
        const gipkit = createGipkit();
        const input = gipkit.validateInput(data);
        const plan = gipkit.plan(input);
        expect(plan.decisions.map((d) => d.vm)).toEqual(data.job.vms);
        const { summary } = plan;
        expect(summary.assigned + summary.fallback + summary.backupServer + summary.notRequired + summary.unassigned).toBe(data.job.vms.length);
        const family = new Map(data.inventory.servers.map((s) => [s.id, s.os.family]));
        plan.decisions.forEach((decision, position) => {
          const guest = data.inventory.vms[position]!;
          if (decision.proxy !== null && (guest.guest.family === 'windows' || decision.vm in data.job.vmCredentials)) {
            expect(family.get(decision.proxy), `${decision.vm} → ${decision.proxy}`).toBe('windows');
          }
          if (decision.status !== 'assigned') return;
          const explanation = gipkit.explain(input, decision.vm);
          const eligible = explanation.candidates.filter((c) => c.verdict === 'eligible' || c.verdict === 'chosen');
          const lowest = Math.min(...eligible.map((c) => c.tier ?? Infinity));
          expect(decision.tier).toBe(lowest);
          const sameTier = eligible.filter((c) => c.tier === lowest);
          const least = Math.min(...sameTier.map((c) => c.load));
          expect(decision.load).toBe(least);
          expect(decision.proxy).toBe(sameTier.find((c) => c.load === least)?.server);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a VM is unassigned only when no candidate is eligible (and, with fallback, neither is the backup server)', () => {
    fc.assert(
      fc.property(estate, (e) => {
        const data = build(e);
        const gipkit = createGipkit();
        const input = gipkit.validateInput(data);
        for (const decision of gipkit.plan(input).decisions.filter((d) => d.status === 'unassigned')) {
          const explanation = gipkit.explain(input, decision.vm);
          const candidates = explanation.candidates.filter((c) => c.verdict !== 'not-a-candidate');
          expect(candidates.every((c) => c.failed.length > 0)).toBe(true);
          expect(decision.reasons?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});
