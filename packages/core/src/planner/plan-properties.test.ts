import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, FactDefinition, Inventory, Job, Network, OperatorFunction, Plan, Server, Vm } from '@gipkit/plugin-api';
import { createGipkit, type ValidInput } from '../index.js';
import { compileRule } from '../rules/compile-rule.js';
import { FactTable, type Frames } from '../rules/fact-table.js';
import type { RuleOrigin } from '../rules/compile-rule.js';
import { randomEstate, type RandomEstate } from './random-estate.fixture.js';

// Invariants of selection on random estates, and a reference planner written
// from the documented procedure (domain.md, rules 8-11) that the engine must match.

const gipkit = createGipkit();

function planned(estate: RandomEstate): { input: ValidInput; plan: Plan } {
  const input = gipkit.validateInput(estate);
  return { input, plan: gipkit.plan(input) };
}

const RUNS = { numRuns: Number(process.env.RUNS ?? 150) };

describe('selection invariants on random estates', () => {
  it('decisions come in job order, one per VM, and the summary adds up', () => {
    fc.assert(
      fc.property(randomEstate, (estate) => {
        const { plan } = planned(estate);
        expect(plan.decisions.map((decision) => decision.vm)).toEqual(estate.job.vms);
        const { summary } = plan;
        expect(summary.vms).toBe(estate.job.vms.length);
        expect(summary.assigned + summary.fallback + summary.backupServer + summary.notRequired + summary.unassigned).toBe(estate.job.vms.length);
        expect(Object.values(summary.perProxy).reduce((sum, count) => sum + count, 0)).toBe(plan.decisions.filter((d) => d.proxy !== null).length);
        const count = (status: Decision['status']): number => plan.decisions.filter((d) => d.status === status).length;
        expect([summary.assigned, summary.fallback, summary.backupServer, summary.notRequired, summary.unassigned]).toEqual(
          [count('assigned'), count('fallback'), count('backup-server'), count('not-required'), count('unassigned')],
        );
      }),
      RUNS,
    );
  });

  it('no Linux proxy for a Windows guest or a VM with gMSA credentials', () => {
    fc.assert(
      fc.property(randomEstate, (estate) => {
        const { plan } = planned(estate);
        const family = new Map(estate.inventory.servers.map((server) => [server.id, server.os.family]));
        const guest = new Map(estate.inventory.vms.map((vm) => [vm.id, vm.guest.family]));
        for (const decision of plan.decisions) {
          if (decision.proxy === null || decision.status === 'backup-server') continue;
          const credentials = estate.job.vmCredentials[decision.vm] ?? estate.job.credentials;
          if (guest.get(decision.vm) === 'windows' || credentials.kind === 'gmsa') {
            expect(family.get(decision.proxy), `${decision.vm} (${guest.get(decision.vm)}, ${credentials.kind}) → ${decision.proxy}`).toBe('windows');
          }
        }
      }),
      RUNS,
    );
  });

  it('the tier is the lowest among eligible candidates; the proxy is the least loaded of that tier, the first in inventory order among equals', () => {
    fc.assert(
      fc.property(randomEstate, (estate) => {
        const { input, plan } = planned(estate);
        for (const decision of plan.decisions) {
          if (decision.status !== 'assigned') continue;
          const explanation = gipkit.explain(input, decision.vm);
          expect(explanation.decision).toEqual(decision);
          const eligible = explanation.candidates.filter((c) => c.verdict === 'eligible' || c.verdict === 'chosen');
          expect(eligible.every((c) => c.failed.length === 0 && c.tier !== null && c.methods.length > 0)).toBe(true);
          const lowest = Math.min(...eligible.map((c) => c.tier ?? Number.POSITIVE_INFINITY));
          expect(decision.tier, decision.vm).toBe(lowest);
          const sameTier = eligible.filter((c) => c.tier === lowest);
          const least = Math.min(...sameTier.map((c) => c.load));
          const chosen = explanation.candidates.find((c) => c.verdict === 'chosen');
          expect(chosen?.server).toBe(decision.proxy);
          expect(decision.load).toBe(chosen?.load);
          expect(decision.load, decision.vm).toBe(least);
          expect(decision.proxy, decision.vm).toBe(sameTier.find((c) => c.load === least)?.server);
          expect(decision.connection).toBe(chosen?.methods[0]);
        }
      }),
      RUNS,
    );
  });

  it('a VM is unassigned only when no candidate can serve it, and the reasons say why', () => {
    fc.assert(
      fc.property(randomEstate, (estate) => {
        const { input, plan } = planned(estate);
        for (const decision of plan.decisions.filter((d) => d.status === 'unassigned')) {
          const explanation = gipkit.explain(input, decision.vm);
          for (const candidate of explanation.candidates.filter((c) => c.verdict !== 'not-a-candidate')) {
            expect(candidate.verdict).toBe('ineligible');
            expect(candidate.failed.length).toBeGreaterThan(0);
          }
          if (estate.job.proxy.mode === 'preferred' && estate.job.proxy.fallback === 'backup-server') {
            expect(explanation.candidates.find((c) => c.isBackupServer)?.failed.length, 'the backup server could not take over either').toBeGreaterThan(0);
          }
          expect(decision.reasons?.length).toBeGreaterThan(0);
          expect(decision).toMatchObject({ proxy: null, tier: null, connection: null, load: null });
        }
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------
// Reference planner: fact values from the fact definitions over networks found
// by a plain CIDR check, every rule evaluated on every (VM, server) pair, then
// the documented selection. No VM classes, server groups or memoised outcomes.

const operators = new Map<string, OperatorFunction>(gipkit.operators.map((operator) => [operator.name, operator.evaluate]));
const origin: RuleOrigin = {
  source: 'reference',
  path: [],
  report: (path, message) => {
    throw new Error(`${path.join('.')}: ${message}`);
  },
};
const table = new FactTable(gipkit.facts);
const rules = gipkit.rules.map((rule) => {
  const compiled = compileRule(rule, table, operators, origin);
  if (compiled === null) throw new Error(`cannot compile ${rule.name}`);
  return compiled;
});

const ipv4 = (text: string): number => text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
function inCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}
const networksOf = (inventory: Inventory, addresses: readonly string[], named: readonly string[]): Network[] =>
  inventory.networks.filter((network) => named.includes(network.id) || network.cidrs.some((cidr) => addresses.some((address) => inCidr(address, cidr))));

interface Verdict {
  readonly eligible: boolean;
  readonly tier: number | null;
  readonly methods: readonly string[];
  readonly failed: readonly string[];
}

function referenceVerdicts(input: ValidInput): { jobOutcome: string | null; verdict: (vm: Vm, server: number) => Verdict } {
  const { inventory, job } = input;
  const value = (definition: FactDefinition, contexts: { job: object; server?: object | undefined; vm?: object | undefined; pair?: object | undefined }): unknown => {
    const context = contexts[definition.scope];
    return context === undefined ? null : ((definition.value as (context: object) => unknown)(context) ?? null);
  };
  const jobContext = { inventory, job };
  const serverContexts = inventory.servers.map((server: Server) => ({
    ...jobContext,
    server,
    networks: networksOf(inventory, server.addresses, server.networks),
    isBackupServer: server.id === inventory.backupServer,
  }));
  const framesFor = (vm: Vm, server: number): Frames => {
    const host = inventory.hosts.find((candidate) => candidate.id === vm.host);
    const vmContext = { ...jobContext, vm, host, networks: networksOf(inventory, vm.addresses, vm.networks), credentials: job.vmCredentials[vm.id] ?? job.credentials };
    const serverContext = serverContexts[server] ?? serverContexts[0];
    const frames: Frames = { job: [], server: [], vm: [], pair: [] };
    const read = (scope: 'server' | 'vm') => (name: string): unknown => {
      const slot = table.get(name);
      return slot?.scope === scope ? value(slot.definition, { job: jobContext, server: serverContext, vm: vmContext }) : undefined;
    };
    const pairContext = { server: read('server'), vm: read('vm') };
    for (const name of table.names) {
      const slot = table.get(name);
      if (slot === undefined) continue;
      (frames[slot.scope] as unknown[])[slot.index] = value(slot.definition, { job: jobContext, server: serverContext, vm: vmContext, pair: pairContext });
    }
    return frames;
  };
  const jobFrames = framesFor(inventory.vms[0] as Vm, 0);
  const jobRule = rules
    .filter((rule) => rule.kind === 'job-outcome' && rule.test(jobFrames))
    .sort((a, b) => (b.document.priority ?? 1) - (a.document.priority ?? 1))[0];
  const jobOutcome = jobRule?.document.event.type === 'job-outcome' ? jobRule.document.event.params.status : null;
  const firstKind = job.inverseProtocolOrder ? 'networkless' : 'network';
  const verdict = (vm: Vm, server: number): Verdict => {
    const frames = framesFor(vm, server);
    const fired = rules.filter((rule) => rule.kind !== 'job-outcome' && rule.test(frames));
    const failed = fired.filter((rule) => rule.kind === 'exclude').map((rule) => rule.name);
    const methodRules = fired.filter((rule) => rule.document.event.type === 'method');
    const kindOf = (rule: (typeof rules)[number]): string => (rule.document.event.type === 'method' ? rule.document.event.params.kind : '');
    const methods = methodRules
      .map((rule, order) => ({ rule, order }))
      .sort((a, b) => Number(kindOf(a.rule) !== firstKind) - Number(kindOf(b.rule) !== firstKind) || (b.rule.document.priority ?? 1) - (a.rule.document.priority ?? 1) || a.order - b.order)
      .map(({ rule }) => (rule.document.event.type === 'method' ? rule.document.event.params.method : ''));
    const tiers = fired.flatMap((rule) => (rule.document.event.type === 'tier' ? [rule.document.event.params.tier] : []));
    const tier = tiers.length === 0 ? null : Math.min(...tiers);
    const reasons = [...failed, ...(methods.length === 0 ? ['connection-method-required'] : []), ...(tier === null ? ['tier-required'] : [])];
    return { eligible: failed.length === 0 && methods.length > 0 && tier !== null, tier, methods, failed: reasons };
  };
  return { jobOutcome, verdict };
}

function referencePlan(input: ValidInput): { decisions: Decision[]; tallies: Map<string, Map<string, number>> } {
  const { inventory, job } = input;
  const { jobOutcome, verdict } = referenceVerdicts(input);
  const servers = inventory.servers;
  const backup = servers.findIndex((server) => server.id === inventory.backupServer);
  const loads = servers.map((server) => server.runningTasks);
  const proxy: Job['proxy'] = job.proxy;
  const candidates = servers.flatMap((server, index) => (proxy.mode === 'automatic' || proxy.servers.includes(server.id) ? [index] : []));
  const fallbackAllowed = proxy.mode === 'preferred' && proxy.fallback === 'backup-server';
  const tallies = new Map<string, Map<string, number>>();
  const decisions = job.vms.map((id): Decision => {
    const vm = inventory.vms.find((candidate) => candidate.id === id) as Vm;
    const take = (server: number, status: Decision['status']): Decision => {
      const v = verdict(vm, server);
      const load = loads[server] ?? 0;
      loads[server] = load + 1;
      const methods = v.eligible ? v.methods : [];
      const backupVerdict = verdict(vm, backup);
      const failover = server === backup || !backupVerdict.eligible ? null : { server: inventory.backupServer, methods: backupVerdict.methods };
      return { vm: id, status, proxy: servers[server]?.id ?? '', tier: v.eligible ? v.tier : null, connection: methods[0] ?? null, methods, failover, load };
    };
    const none = { proxy: null, tier: null, connection: null, methods: [], failover: null, load: null };
    if (jobOutcome === 'not-required') return { vm: id, status: 'not-required', ...none };
    if (jobOutcome === 'backup-server') return take(backup, 'backup-server');
    const eligible = candidates.filter((server) => verdict(vm, server).eligible);
    if (eligible.length > 0) {
      const lowest = Math.min(...eligible.map((server) => verdict(vm, server).tier ?? Number.POSITIVE_INFINITY));
      const best = eligible.filter((server) => verdict(vm, server).tier === lowest);
      const least = Math.min(...best.map((server) => loads[server] ?? 0));
      return take(best.find((server) => loads[server] === least) ?? -1, 'assigned');
    }
    if (fallbackAllowed && verdict(vm, backup).eligible) return take(backup, 'fallback');
    const tally = new Map<string, number>();
    const considered = fallbackAllowed && !candidates.includes(backup) ? [...candidates, backup] : candidates;
    for (const server of considered) for (const rule of verdict(vm, server).failed) tally.set(rule, (tally.get(rule) ?? 0) + 1);
    tallies.set(id, tally);
    return { vm: id, status: 'unassigned', ...none };
  });
  return { decisions, tallies };
}

describe('the planner agrees with a reference planner written from the documented procedure', () => {
  it('same status, proxy, tier, methods in order, failover and load for every VM; same reasons for unassigned VMs', () => {
    fc.assert(
      fc.property(randomEstate, (estate) => {
        const { input, plan } = planned(estate);
        const reference = referencePlan(input);
        const decided = plan.decisions.map(({ vm, status, proxy, tier, connection, methods, failover, load }) => ({ vm, status, proxy, tier, connection, methods, failover, load }));
        expect(decided).toEqual(reference.decisions);
        for (const decision of plan.decisions.filter((d) => d.status === 'unassigned')) {
          const counted = new Map((decision.reasons ?? []).map((reason) => [reason.rule, reason.candidates]));
          expect(counted, decision.vm).toEqual(reference.tallies.get(decision.vm));
          const counts = (decision.reasons ?? []).map((reason) => reason.candidates);
          expect(counts).toEqual([...counts].sort((a, b) => b - a));
        }
      }),
      RUNS,
    );
  });
});
