import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGipkit, PlanStaleError } from '@gipkit/core';
import { ErrorCode, InputError, type Plan } from '@gipkit/plugin-api';
import { estate, rig } from './run-fixture.js';

const folder = mkdtempSync(join(tmpdir(), 'gipkit-plan-handoff-'));
beforeAll(() => {
  process.env.GIPKIT_TEST_GUEST_SECRET = 'handoff-secret';
});
afterAll(() => {
  delete process.env.GIPKIT_TEST_GUEST_SECRET;
  rmSync(folder, { recursive: true, force: true });
});

function writePlan(name: string, plan: unknown): string {
  const file = join(folder, name);
  writeFileSync(file, typeof plan === 'string' ? plan : JSON.stringify(plan));
  return file;
}

describe('the plan is the only hand-off between planning and running', () => {
  it('a decision carries its methods in order and the backup server with its methods; methods are shared, frozen lists', () => {
    const input = estate({ vms: 3, proxies: 2 });
    const plan = createGipkit().plan(input);
    for (const decision of plan.decisions) {
      expect(decision.methods.length).toBeGreaterThan(0);
      expect(decision.connection).toBe(decision.methods[0]);
      expect(decision.failover).toEqual({ server: 'vbr', methods: expect.arrayContaining([decision.methods[0]]) as unknown });
      expect(Object.isFrozen(decision.methods)).toBe(true);
    }
    expect(plan.decisions[0]?.methods).toBe(plan.decisions[1]?.methods);
  });

  it('run takes the plan as it is: an engine with rules that give no VM a method still deploys every VM by its planned methods', async () => {
    const input = estate({ vms: 2, proxies: 2 });
    const plan = createGipkit().plan(input);
    // An engine whose rules would leave every VM unassigned: the run never asks them.
    const { gipkit, log } = rig(input);
    const strict = createGipkit({ ruleChanges: [{ origin: 'no-lan.yaml', disable: ['lan-connection', 'vix-connection'] }] });
    expect(strict.plan(input).summary.unassigned).toBe(2);
    const result = await gipkit.run(input, { bundle: (await import('./run-fixture.js')).BUNDLE, plan });
    expect(result.counts.succeeded).toBe(2);
    const started = log.events.filter((event) => event.type === 'deployment.started').map((event) => event.server);
    expect(started).toEqual(plan.decisions.map((decision) => decision.proxy));
  });

  it('a plan handed in by code with a proxy the inventory does not have, or a failover to another server, is refused before any work', async () => {
    const input = estate({ vms: 2, proxies: 2 });
    const plan = createGipkit().plan(input);
    const { gipkit, log, run } = rig(input);
    const bad: Plan = {
      ...plan,
      decisions: [
        { ...plan.decisions[0]!, proxy: 'ghost' },
        { ...plan.decisions[1]!, failover: { server: 'p2', methods: ['lan'] } },
      ],
    };
    await expect(run({ plan: bad })).rejects.toThrow(/the plan's decisions\[0\]\.proxy: must be a server of the inventory \(found "ghost"\)[\s\S]*decisions\[1\]\.failover\.server: must be the backup server "vbr"/);
    expect(log.events).toEqual([]);
    void gipkit;
  });

  it('a plan records what it was made from: the files\' digests and the effective rules with their origins', () => {
    const gipkit = createGipkit({ ruleChanges: [{ origin: 'org.yaml', disable: ['vix-connection'] }] });
    const input = estate();
    const inMemory = gipkit.plan(input);
    expect(inMemory.madeFrom?.inventory).toBeUndefined();
    expect(inMemory.madeFrom?.rules.files).toEqual(['org.yaml']);
    expect(inMemory.madeFrom?.rules.rules.map((rule) => rule.rule)).not.toContain('vix-connection');
    expect(inMemory.madeFrom?.rules.rules.every((rule) => rule.origin === 'gipkit:default')).toBe(true);
    // Another rule set, another digest; the same rules, the same digest.
    expect(createGipkit().effectiveRules.sha256).not.toBe(gipkit.effectiveRules.sha256);
    expect(createGipkit().effectiveRules.sha256).toBe(createGipkit().effectiveRules.sha256);
  });

  it('loadPlan reads a saved plan: __proto__ and constructor in it are data, Object.prototype is untouched', () => {
    const input = estate({ vms: 2, proxies: 1 });
    const gipkit = createGipkit();
    const plan = gipkit.plan(input);
    const text = JSON.stringify(plan).replace('"decisions":[{', '"decisions":[{"__proto__":{"admin":true},"constructor":1,');
    const error = (() => {
      try {
        gipkit.loadPlan(writePlan('proto.json', text), input);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(ErrorCode.PlanInvalid);
    expect((error as InputError).diagnostics.map((diagnostic) => diagnostic.path)).toEqual(['decisions[0].__proto__', 'decisions[0].constructor']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const loaded = gipkit.loadPlan(writePlan('plan.json', plan), input);
    expect(loaded.decisions).toEqual(plan.decisions);
    expect(Object.getPrototypeOf(loaded.summary.perProxy)).toBeNull();
  });

  it('loadPlan refuses a plan made from other files with PlanStaleError, naming which changed', () => {
    const files = { inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') };
    const input = estate({ vms: 1, proxies: 1 });
    writeFileSync(files.inventory, JSON.stringify(input.inventory));
    writeFileSync(files.job, JSON.stringify(input.job));
    const gipkit = createGipkit();
    const fromFiles = gipkit.loadInput(files);
    const saved = writePlan('saved.json', gipkit.plan(fromFiles));
    expect(gipkit.loadPlan(saved, fromFiles).decisions).toHaveLength(1);
    writeFileSync(files.job, `${JSON.stringify(input.job)}\n`);
    const changed = gipkit.loadInput(files);
    expect(() => gipkit.loadPlan(saved, changed)).toThrow(PlanStaleError);
    try {
      gipkit.loadPlan(saved, changed);
    } catch (error) {
      expect((error as PlanStaleError).changed.map((change) => change.input)).toEqual(['job']);
      expect((error as PlanStaleError).code).toBe(ErrorCode.PlanStale);
    }
  });
});
