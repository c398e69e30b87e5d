// Loads measured now (live agents' heartbeats, issue #11 behaviour 12) replace the inventory's runningTasks for
// the servers they name; the others keep the inventory's; explain says where each load came from.
import { describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { estate } from './run-fixture.js';

describe('measured loads', () => {
  const input = estate({ vms: 3, proxies: 2 });
  const gipkit = createGipkit();

  it('12. a measured load replaces the server\'s runningTasks; a server without one keeps the inventory\'s', () => {
    const plain = gipkit.plan(input);
    expect(plain.decisions.map((decision) => decision.proxy)).toEqual(['p1', 'p2', 'p1']);
    const measured = gipkit.plan(input, { measuredLoad: new Map([['p1', 5]]) });
    expect(measured.decisions.map((decision) => [decision.proxy, decision.load])).toEqual([['p2', 0], ['p2', 1], ['p2', 2]]);
    // An idle server measured as idle: 0, even when the inventory says it is busy.
    const busy = createGipkit().validateInput({ inventory: { ...input.inventory, servers: input.inventory.servers.map((server) => server.id === 'p1' ? { ...server, runningTasks: 9 } : server) }, job: input.job });
    expect(gipkit.plan(busy).decisions[0]?.proxy).toBe('p2');
    expect(gipkit.plan(busy, { measuredLoad: new Map([['p1', 0]]) }).decisions[0]?.proxy).toBe('p1');
  });

  it('12. explain names where each candidate\'s load came from: the agents, or the inventory', () => {
    const explanation = gipkit.explain(input, 'w1', { measuredLoad: new Map([['p1', 5]]) });
    expect(explanation.candidates.map((candidate) => [candidate.server, candidate.load, candidate.loadFrom])).toEqual([['vbr', 0, 'inventory'], ['p1', 5, 'agents'], ['p2', 0, 'inventory']]);
    expect(gipkit.explain(input, 'w1').candidates.every((candidate) => candidate.loadFrom === undefined)).toBe(true);
  });

  it('a measured load that is not a whole number of at least 0 is refused, naming the server', () => {
    expect(() => gipkit.plan(input, { measuredLoad: new Map([['p1', -1]]) })).toThrow('the measured load of p1 must be a whole number of at least 0 (found -1)');
  });
});
