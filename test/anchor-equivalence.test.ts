import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { ROOT } from './cli-harness.js';

// Issue #10: the planner's decisions stay identical, VM by VM, to the near-limit reference planner of
// ../shared/anchor-bench on the estates its generator writes (small enough for CI here; `pnpm bench` runs
// the large ones side by side). The reference lives beside the repository, as CI places it.

const ANCHOR = resolve(ROOT, '../shared/anchor-bench');
const scratch = mkdtempSync(join(tmpdir(), 'gipkit-anchor-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface ReferenceDecision {
  readonly vm: string;
  readonly status: string;
  readonly proxy: string | null;
  readonly tier?: number;
  readonly connection?: string;
}

const ESTATES = [
  { name: 'automatic, 3,000 VMs × 200 servers', args: ['--vms', '3000', '--servers', '200', '--sites', '6', '--seed', '11'] },
  { name: 'many sites, 2,000 VMs × 600 servers', args: ['--vms', '2000', '--servers', '600', '--sites', '30', '--seed', '5'] },
  { name: 'preferred servers with fallback', args: ['--vms', '2000', '--servers', '150', '--sites', '5', '--seed', '3', '--preferred', '20'] },
  { name: 'networkless methods first', args: ['--vms', '2000', '--servers', '150', '--sites', '5', '--seed', '9', '--inverse', '1'] },
];

describe('decisions identical to the reference planner (anchor-bench)', () => {
  it('the reference planner is beside the repository, as in CI', () => {
    expect(existsSync(join(ANCHOR, 'ref-fast.mjs')), `${ANCHOR}/ref-fast.mjs: the shared folder must be beside the repository`).toBe(true);
  });

  for (const estate of ESTATES) {
    it(`${estate.name}: the same status, proxy, tier and connection for every VM`, async () => {
      const folder = join(scratch, estate.args.join('_').replaceAll('-', ''));
      const generated = spawnSync(process.execPath, [join(ANCHOR, 'gen.mjs'), ...estate.args, '--out', folder], { encoding: 'utf8' });
      expect(generated.status, generated.stderr).toBe(0);
      const { planFast } = (await import(pathToFileURL(join(ANCHOR, 'ref-fast.mjs')).href)) as { planFast: (inventory: unknown, job: unknown) => { decisions: ReferenceDecision[] } };
      const reference = planFast(JSON.parse(readFileSync(join(folder, 'inventory.json'), 'utf8')), JSON.parse(readFileSync(join(folder, 'job.json'), 'utf8')));
      const gipkit = createGipkit();
      const plan = gipkit.plan(gipkit.loadInput({ inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') }));
      const ours = plan.decisions.map((decision) =>
        decision.proxy === null
          ? { vm: decision.vm, status: decision.status, proxy: null }
          : { vm: decision.vm, status: decision.status, proxy: decision.proxy, tier: decision.tier, connection: decision.connection },
      );
      expect(ours.length).toBe(reference.decisions.length);
      const differing = ours.flatMap((decision, position) => (JSON.stringify(decision) === JSON.stringify(reference.decisions[position]) ? [] : [{ ours: decision, reference: reference.decisions[position] }]));
      expect(differing.slice(0, 5)).toEqual([]);
      // Not vacuous: most VMs are assigned, over many servers and tiers.
      expect(plan.summary.assigned).toBeGreaterThan(plan.decisions.length / 2);
      expect(new Set(plan.decisions.map((decision) => decision.tier)).size).toBeGreaterThan(1);
    });
  }
});
