import { config } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { createGipkit, ofType } from '../index.js';
import { smallInventory, smallJob } from './engine.fixture.js';

const fixedClock = { now: () => 0, isoNow: () => '2026-11-24T00:00:00.000Z' };

describe('events$', () => {
  afterEach(() => {
    config.onUnhandledError = null;
  });

  it('emits plan.started, one proxy.selected per VM in job order, and plan.completed', () => {
    const gipkit = createGipkit({ clock: fixedClock });
    const events: GipkitEvent[] = [];
    gipkit.events$.subscribe((event) => events.push(event));
    gipkit.plan(gipkit.validateInput({ inventory: smallInventory, job: smallJob }));
    expect(events.map((event) => event.type)).toEqual(['plan.started', 'proxy.selected', 'proxy.selected', 'plan.completed']);
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    expect(events[1]).toMatchObject({ vm: 'app-hq', proxy: 'win-hq', tier: 1, connection: 'lan', load: 0, at: '2026-11-24T00:00:00.000Z' });
    expect(events[3]).toMatchObject({ type: 'plan.completed', summary: { vms: 2, assigned: 2 } });
  });

  it('emits plain, frozen, JSON-serialisable objects', () => {
    const gipkit = createGipkit();
    const events: GipkitEvent[] = [];
    gipkit.events$.subscribe((event) => events.push(event));
    gipkit.plan(gipkit.validateInput({ inventory: smallInventory, job: smallJob }));
    for (const event of events) {
      expect(Object.isFrozen(event)).toBe(true);
      expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    }
  });

  it('emits proxy.unavailable with the reasons of every candidate, tallied per rule', () => {
    const gipkit = createGipkit();
    const unavailable: unknown[] = [];
    gipkit.events$.pipe(ofType('proxy.unavailable')).subscribe((event) => unavailable.push(event));
    const inventory = { ...smallInventory, vms: [{ id: 'lost', host: 'esx', guest: { family: 'linux' }, tools: false }] };
    gipkit.plan(gipkit.validateInput({ inventory, job: { ...smallJob, vms: ['lost'] } }));
    expect(unavailable).toHaveLength(1);
    expect(unavailable[0]).toMatchObject({
      vm: 'lost',
      reasons: [{ rule: 'connection-method-required', candidates: 4, example: { server: 'vbr', message: expect.stringContaining('VIX needs a VMware VM with VMware Tools running') } }],
    });
  });

  it('ofType narrows the stream to the named types', () => {
    const gipkit = createGipkit();
    const types: string[] = [];
    gipkit.events$.pipe(ofType('plan.started', 'plan.completed')).subscribe((event) => types.push(event.type));
    gipkit.plan(gipkit.validateInput({ inventory: smallInventory, job: smallJob }));
    expect(types).toEqual(['plan.started', 'plan.completed']);
  });

  it('a subscriber that throws cannot break planning or other subscribers', () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (error) => reported.push(error);
    const gipkit = createGipkit();
    gipkit.events$.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const seen: string[] = [];
    gipkit.events$.subscribe((event) => seen.push(event.type));
    const plan = gipkit.plan(gipkit.validateInput({ inventory: smallInventory, job: smallJob }));
    expect(plan.decisions.map((decision) => decision.status)).toEqual(['assigned', 'assigned']);
    expect(seen).toEqual(['plan.started', 'proxy.selected', 'proxy.selected', 'plan.completed']);
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        expect(reported).toHaveLength(4);
        resolve();
      }, 10),
    );
  });

  it('completes the stream when the engine is disposed', () => {
    const gipkit = createGipkit();
    let completed = false;
    gipkit.events$.subscribe({ complete: () => (completed = true) });
    gipkit.dispose();
    expect(completed).toBe(true);
    expect(() => gipkit.plan(gipkit.validateInput({ inventory: smallInventory, job: smallJob }))).toThrow(/disposed/);
  });
});

describe('factsFor', () => {
  it('shows every fact the rules see for one VM and one server', () => {
    const gipkit = createGipkit();
    const input = gipkit.validateInput({ inventory: smallInventory, job: smallJob });
    expect(gipkit.factsFor(input, 'app-hq', 'win-hq')).toMatchObject({
      'vm.id': 'app-hq', 'server.id': 'win-hq', 'vm.networks': ['hq'], 'server.networks': ['hq'], 'pair.sameNetwork': true, 'server.isBackupServer': false,
    });
    expect(() => gipkit.factsFor(input, 'app-hq', 'nobody')).toThrow(expect.objectContaining({ code: 'GIPKIT_EXPLAIN_SERVER_UNKNOWN' }));
    expect(() => gipkit.factsFor(input, 'nobody', 'win-hq')).toThrow(expect.objectContaining({ code: 'GIPKIT_EXPLAIN_VM_UNKNOWN' }));
  });
});
