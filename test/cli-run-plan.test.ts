import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Decision, GipkitEvent, Plan } from '@gipkit/plugin-api';
import { gipkit, ROOT, tempFiles } from './cli-harness.js';
import { fencedBlocks, markdownSection, shellCommands } from './markdown-blocks.js';

const INVENTORY = 'examples/lab/inventory.yaml';
const JOB = 'examples/lab/nightly.job.yaml';
const BUNDLE = ['--bundle', 'examples/bundles/hello-agent'];
const INPUT = ['--inventory', INVENTORY, '--job', JOB];

/** `gipkit plan --format json` of the lab, with these extra options. */
function savedPlan(...extra: string[]): Plan {
  const result = gipkit('plan', ...INPUT, '--format', 'json', ...extra);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

function planFile(plan: unknown, text?: string): string {
  return tempFiles({ 'plan.json': text ?? `${JSON.stringify(plan, null, 2)}\n` })['plan.json'] ?? '';
}

function events(stdout: string): GipkitEvent[] {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
}

function withDecision(plan: Plan, vm: string, change: (decision: Decision) => Decision): Plan {
  return { ...plan, decisions: plan.decisions.map((decision) => (decision.vm === vm ? change(decision) : decision)) };
}

describe('gipkit run --plan: a reviewed plan runs as planned', () => {
  it('runs the saved plan as it is, even without the rules files that made it: each VM deployed by its planned proxy', () => {
    const plan = savedPlan('--rules', 'examples/lab/org-rules.yaml');
    const today = savedPlan();
    // The organisation's rules move some VMs: the run must follow the saved plan, not today's default rules.
    const moved = plan.decisions.filter((decision, index) => decision.proxy !== today.decisions[index]?.proxy);
    expect(moved.length).toBeGreaterThan(0);
    const result = gipkit('run', '--simulate', '--plan', planFile(plan), ...INPUT, ...BUNDLE, '--events', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    const started = events(result.stdout).filter((event) => event.type === 'deployment.started');
    const byVm = new Map(started.map((event) => [event.vm, event.server]));
    for (const decision of plan.decisions) {
      if (decision.proxy !== null) expect(byVm.get(decision.vm), decision.vm).toBe(decision.proxy);
    }
    expect(events(result.stdout).some((event) => event.type === 'plan.started')).toBe(false);
    expect(result.stderr).toMatch(/plan: .*plan\.json \(saved; not planned again\): 22 VMs, 20 assigned/);
  });

  it('a VM is tried with the methods its decision lists, in that order, and no other', () => {
    const plan = savedPlan();
    const vm = plan.decisions.find((decision) => decision.methods.length > 1 && decision.failover !== null);
    expect(vm).toBeDefined();
    const last = vm?.methods.at(-1) ?? '';
    // The administrator keeps only the last method: the run connects with it.
    const reviewed = withDecision(plan, vm?.vm ?? '', (decision) => ({ ...decision, methods: [last], connection: last }));
    const result = gipkit('run', '--simulate', '--plan', planFile(reviewed), ...INPUT, ...BUNDLE, '--events', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    const succeeded = events(result.stdout).find((event) => event.type === 'deployment.succeeded' && event.vm === vm?.vm);
    expect(succeeded).toMatchObject({ server: vm?.proxy, method: last });
  });

  it('a failover comes from the plan: with none planned, a proxy that cannot connect fails the VM, naming why', () => {
    const plan = savedPlan();
    const noFailover = withDecision(plan, 'sql-a', (decision) => ({ ...decision, failover: null }));
    const args = ['run', '--simulate', '--lab', 'examples/lab/simulated-lab.yaml', ...INPUT, ...BUNDLE, '--events', 'ndjson'];
    const result = gipkit(...args, '--plan', planFile(noFailover));
    const all = events(result.stdout);
    const failed = all.find((event) => event.type === 'deployment.failed' && event.vm === 'sql-a');
    expect(failed).toMatchObject({ server: 'win-proxy-a', step: 'connect' });
    expect(JSON.stringify(failed)).toContain('no failover: the backup server vbr has no connection method to sql-a');
    expect(all.some((event) => event.type === 'failover.started' && event.vm === 'sql-a')).toBe(false);
    // The other VMs of that proxy still fail over, as their decisions say.
    expect(all.some((event) => event.type === 'failover.started' && event.vm !== 'sql-a')).toBe(true);
  });

  it('refuses a plan whose inventory changed (exit 2), naming the file and both digests; nothing is deployed', () => {
    const plan = savedPlan();
    const inventory = readFileSync(join(ROOT, INVENTORY), 'utf8');
    const edited = tempFiles({ 'inventory.yaml': `${inventory}# reviewed\n` })['inventory.yaml'] ?? '';
    const result = gipkit('run', '--simulate', '--plan', planFile(plan), '--inventory', edited, '--job', JOB, ...BUNDLE, '--events', 'ndjson');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the inventory changed: planned from examples/lab/inventory.yaml');
    expect(result.stderr).toMatch(new RegExp(`sha256 ${plan.madeFrom?.inventory?.sha256 ?? 'x'}, \\d+ bytes\\), now .*inventory\\.yaml \\(sha256 [0-9a-f]{64}`));
    expect(result.stderr).toContain('[GIPKIT_PLAN_STALE]');
    expect(result.stderr).not.toContain('the job changed');
  });

  it('refuses a plan whose job changed, and says it is the job', () => {
    const plan = savedPlan();
    const job = readFileSync(join(ROOT, JOB), 'utf8');
    const edited = tempFiles({ 'job.yaml': `${job}\n` })['job.yaml'] ?? '';
    const result = gipkit('run', '--simulate', '--plan', planFile(plan), '--inventory', INVENTORY, '--job', edited, ...BUNDLE);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the job changed');
    expect(result.stderr).not.toContain('the inventory changed');
  });

  it('--replan plans again when the input changed, and says so', () => {
    const plan = savedPlan();
    const inventory = readFileSync(join(ROOT, INVENTORY), 'utf8');
    const edited = tempFiles({ 'inventory.yaml': `${inventory}# reviewed\n` })['inventory.yaml'] ?? '';
    const result = gipkit('run', '--simulate', '--plan', planFile(plan), '--replan', '--inventory', edited, '--job', JOB, ...BUNDLE, '--events', 'ndjson');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('the inventory changed since');
    expect(result.stderr).toContain('planning again (--replan)');
    expect(events(result.stdout)[0]?.type).toBe('plan.started');
  });

  it('a crafted plan file: every problem at once with its line, column and value; nothing runs', () => {
    const plan = savedPlan();
    const decisions = plan.decisions.map((decision) => ({ ...decision })) as Record<string, unknown>[];
    decisions[0] = { ...decisions[0], proxy: 'not-a-server' };
    decisions[1] = { ...decisions[1], failover: { server: 'win-lab', methods: ['lan'] } };
    decisions[3] = { ...decisions[3], methods: ['lan', 'lan'] };
    // A VM twice and one missing: decisions 4 and 5 both name the VM of position 4.
    decisions[5] = { ...decisions[5], vm: decisions[4]?.vm };
    const text = JSON.stringify({ ...plan, decisions }, null, 2).replace('"status": "assigned"', '"__proto__": { "polluted": true }, "status": "assigned"');
    const result = gipkit('run', '--simulate', '--plan', planFile(undefined, text), ...INPUT, ...BUNDLE, '--events', 'ndjson');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/invalid plan for job nightly \(5 problems\)/);
    expect(result.stderr).toMatch(/plan\.json:\d+:\d+: decisions\[0\]\.__proto__: unknown key/);
    expect(result.stderr).toMatch(/plan\.json:\d+:\d+: decisions\[0\]\.proxy: must be a server of the inventory \(found "not-a-server"\)/);
    expect(result.stderr).toMatch(/decisions\[1\]\.failover\.server: must be the backup server "vbr": only it takes over from a proxy \(found "win-lab"\)/);
    expect(result.stderr).toMatch(/decisions\[3\]\.methods: names a method twice \(found \["lan","lan"\]\)/);
    expect(result.stderr).toMatch(new RegExp(`decisions\\[5\\]\\.vm: must be "${String(plan.decisions[5]?.vm)}": the job's VMs, each once, in job order`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a plan that is not a plan, or too large, is refused with the file named', () => {
    const notAPlan = gipkit('run', '--simulate', '--plan', planFile([1, 2]), ...INPUT, ...BUNDLE);
    expect(notAPlan.code).toBe(2);
    expect(notAPlan.stderr).toMatch(/plan\.json:1:1: a plan is an object with job and decisions \(gipkit plan --format json writes one\), not a list/);
    const big = planFile(savedPlan());
    const tooLarge = gipkit('run', '--simulate', '--plan', big, ...INPUT, ...BUNDLE, '--max-input-bytes', '8000');
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toMatch(/plan\.json: is too large: \d+ bytes \(at most 8000/);
    const missing = gipkit('run', '--simulate', '--plan', '/nonexistent/plan.json', ...INPUT, ...BUNDLE);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/plan.json: cannot read the file (ENOENT)');
  });

  it('--replan needs --plan, and --rules with --plan (without --replan) is refused as having no effect', () => {
    const alone = gipkit('run', '--simulate', '--replan', ...INPUT, ...BUNDLE);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--replan needs --plan');
    const rules = gipkit('run', '--simulate', '--plan', planFile(savedPlan()), '--rules', 'examples/lab/org-rules.yaml', ...INPUT, ...BUNDLE);
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain('--rules has no effect with --plan');
  });

  it('the commands of docs/reference/cli.md for --plan work as written: plan, review, run', () => {
    const section = markdownSection(readFileSync(join(ROOT, 'docs/reference/cli.md'), 'utf8'), '`gipkit run`');
    const commands = fencedBlocks(section.replace(/^  /gm, ''), 'sh').flatMap(shellCommands).filter((command) => command.includes('reviewed-plan.json'));
    expect(commands).toHaveLength(2);
    const [plan, run] = commands.map((command) => command.replace(/^gipkit /, '').split(/\s+/));
    const planned = gipkit(...(plan ?? []).slice(0, -2));
    expect(planned.code, planned.stderr).toBe(0);
    const file = planFile(JSON.parse(planned.stdout));
    const ran = gipkit(...(run ?? []).map((word) => (word === '/tmp/reviewed-plan.json' ? file : word)));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('(saved; not planned again)');
  });

  it('reasons in a crafted plan cannot drive the terminal or fake a line: control characters are shown escaped', () => {
    const plan = savedPlan();
    const evil = { ...plan, decisions: plan.decisions.map((decision) => (decision.reasons === undefined ? decision : {
      ...decision, reasons: decision.reasons.map((reason) => ({ ...reason, rule: 'r\u001b[31m', example: { ...reason.example, message: '\u001b[2J\u001b]0;pwned\u0007\nFAKE LINE' } })),
    })) };
    const result = gipkit('run', '--simulate', '--plan', planFile(evil), ...INPUT, ...BUNDLE);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).not.toMatch(/^FAKE LINE/m);
    expect(result.stdout).toContain('\\u{1b}[2J');
  });
});

