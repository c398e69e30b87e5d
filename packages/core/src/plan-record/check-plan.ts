import type {
  ConnectionMethod, Decision, DecisionStatus, Diagnostic, Failover, InputDigest, Plan, PlanMadeFrom, UnavailableReason,
} from '@gipkit/plugin-api';
import type { DocumentPath } from '../input/document-path.js';
import type { EstateIndex } from '../planner/estate-index.js';
import { summarise } from '../planner/plan-job.js';
import { NO_METHODS } from '../planner/planning-session.js';

/** Where a problem lies in the plan, with the value found there. */
export type PlanProblemAt = (path: DocumentPath, message: string, value?: unknown) => Diagnostic;

const STATUSES: ReadonlySet<string> = new Set<DecisionStatus>(['assigned', 'fallback', 'backup-server', 'not-required', 'unassigned']);
const WITHOUT_PROXY: ReadonlySet<string> = new Set<DecisionStatus>(['not-required', 'unassigned']);
const ON_BACKUP_SERVER: ReadonlySet<string> = new Set<DecisionStatus>(['fallback', 'backup-server']);
const DECISION_KEYS: ReadonlySet<string> = new Set(['vm', 'status', 'proxy', 'tier', 'connection', 'methods', 'failover', 'load', 'reasons']);
const PLAN_KEYS: ReadonlySet<string> = new Set(['job', 'decisions', 'summary', 'rules', 'madeFrom']);
const SHA256 = /^[0-9a-f]{64}$/;

/** A plan checked against an estate, rebuilt from checked values only, or every problem found. */
export type CheckedPlan = { readonly plan: Plan; readonly problems?: undefined } | { readonly plan?: undefined; readonly problems: readonly Diagnostic[] };

/**
 * Checks a plan (read from a file, or handed in by code) against the job and
 * inventory it is to run on, and rebuilds it from what was checked: the job's
 * VMs exactly once each in job order, each proxy a server of the inventory
 * (the backup server where the status says so), methods as non-empty unique
 * names with `connection` the first, a failover only to the backup server.
 * Every problem is reported at once. Unknown keys are problems: a plan is a
 * decision record, and a key gipkit does not know would be silently ignored.
 * Records are read by own keys only, so `__proto__` or `constructor` in a
 * file is data, never a prototype member; the summary is recomputed.
 */
export function checkPlan(data: unknown, estate: EstateIndex, at: PlanProblemAt): CheckedPlan {
  const problems: Diagnostic[] = [];
  const report = (path: DocumentPath, message: string, value?: unknown): void => void problems.push(at(path, message, value));
  const root = record(data);
  if (root === undefined) return { problems: [at([], ...wrongKind('a plan is an object with job and decisions (gipkit plan --format json writes one)', data))] };
  unknownKeys(root, PLAN_KEYS, [], report);
  const { job } = estate;
  const jobId = own(root, 'job');
  if (jobId !== job.id) report(['job'], `the plan is for another job: this job is ${JSON.stringify(job.id)}`, jobId);
  const list = own(root, 'decisions');
  const decisions: Decision[] = [];
  if (!Array.isArray(list)) report(['decisions'], ...wrongKind('must be a list of decisions, one per VM of the job', list));
  else {
    if (list.length !== job.vms.length) report(['decisions'], `must hold one decision per VM of the job, in job order: the job has ${job.vms.length} VMs`, `${list.length} decisions`);
    const context = new DecisionContext(estate);
    list.forEach((item: unknown, index) => {
      const decision = context.check(item, index, report);
      if (decision !== undefined) decisions.push(decision);
    });
  }
  const madeFrom = checkMadeFrom(own(root, 'madeFrom'), report);
  const durationMs = own(record(own(root, 'summary')) ?? {}, 'durationMs');
  if (problems.length > 0) return { problems };
  const summary = summarise(decisions, typeof durationMs === 'number' && Number.isFinite(durationMs) ? durationMs : 0, estate.servers.map((server) => server.id));
  return { plan: { job: job.id, decisions, summary, ...(madeFrom === undefined ? {} : { madeFrom }) } };
}

class DecisionContext {
  readonly #estate: EstateIndex;
  readonly #servers: ReadonlySet<string>;
  readonly #backup: string;
  /** Frozen method lists shared by equal decisions: a million decisions do not hold a million copies. */
  readonly #lists = new Map<string, readonly ConnectionMethod[]>();
  readonly #failovers = new Map<string, Failover>();

  constructor(estate: EstateIndex) {
    this.#estate = estate;
    this.#servers = new Set(estate.servers.map((server) => server.id));
    this.#backup = estate.inventory.backupServer;
  }

  check(item: unknown, index: number, report: (path: DocumentPath, message: string, value?: unknown) => void): Decision | undefined {
    const path = ['decisions', index];
    const decision = record(item);
    if (decision === undefined) {
      report(path, ...wrongKind('must be a decision object', item));
      return undefined;
    }
    let ok = unknownKeys(decision, DECISION_KEYS, path, report);
    const problem = (key: string, message: string, value: unknown): void => {
      ok = false;
      report([...path, key], ...wrongKind(message, value));
    };
    const expected = this.#estate.job.vms[index];
    const vm = own(decision, 'vm');
    if (typeof vm !== 'string' || vm !== expected) {
      problem('vm', expected === undefined ? 'the job has no VM at this position' : `must be ${JSON.stringify(expected)}: the job's VMs, each once, in job order`, vm);
    }
    const status = own(decision, 'status');
    if (typeof status !== 'string' || !STATUSES.has(status)) problem('status', `must be one of ${[...STATUSES].join(', ')}`, status);
    const proxy = own(decision, 'proxy');
    const withoutProxy = typeof status === 'string' && WITHOUT_PROXY.has(status);
    if (withoutProxy && proxy !== null) problem('proxy', `must be null for a ${String(status)} VM`, proxy);
    else if (!withoutProxy && (typeof proxy !== 'string' || !this.#servers.has(proxy))) problem('proxy', 'must be a server of the inventory', proxy);
    else if (typeof status === 'string' && ON_BACKUP_SERVER.has(status) && proxy !== this.#backup) problem('proxy', `must be the backup server ${JSON.stringify(this.#backup)} for a ${status} VM`, proxy);
    const tier = own(decision, 'tier');
    if (tier !== null && !(typeof tier === 'number' && Number.isFinite(tier))) problem('tier', 'must be a number or null', tier);
    const load = own(decision, 'load');
    if (load !== null && !(Number.isSafeInteger(load) && (load as number) >= 0)) problem('load', 'must be a whole number of at least 0, or null', load);
    const methods = this.#methods(own(decision, 'methods'), [...path, 'methods'], proxy === null ? 0 : 1, report);
    if (methods === undefined) ok = false;
    const connection = own(decision, 'connection');
    if (methods !== undefined && connection !== (methods[0] ?? null)) problem('connection', `must be the first of methods (${methods[0] === undefined ? 'null' : JSON.stringify(methods[0])})`, connection);
    const failover = this.#failover(own(decision, 'failover'), [...path, 'failover'], proxy, report);
    if (failover === undefined) ok = false;
    const reasons = checkReasons(own(decision, 'reasons'), status, [...path, 'reasons'], report);
    if (reasons === false) ok = false;
    if (!ok) return undefined;
    return {
      vm: vm as string,
      status: status as DecisionStatus,
      proxy: proxy as string | null,
      tier: tier as number | null,
      connection: connection as ConnectionMethod | null,
      methods: methods ?? NO_METHODS,
      failover: failover ?? null,
      load: load as number | null,
      ...(reasons === undefined || reasons === false ? {} : { reasons }),
    };
  }

  /** A list of method names, unique; `least` 1 where a proxy must have one. */
  #methods(value: unknown, path: DocumentPath, least: number, report: (path: DocumentPath, message: string, value?: unknown) => void): readonly ConnectionMethod[] | undefined {
    if (!Array.isArray(value) || !value.every((method) => typeof method === 'string' && method !== '')) {
      report(path, ...wrongKind('must be a list of connection method names, in the order they are tried', Array.isArray(value) ? value.find((method) => typeof method !== 'string' || method === '') : value));
      return undefined;
    }
    const methods = value as string[];
    if (new Set(methods).size !== methods.length) {
      report(path, 'names a method twice', methods);
      return undefined;
    }
    if (least === 0 && methods.length > 0) {
      report(path, 'must be empty for a VM without a proxy', methods);
      return undefined;
    }
    const key = methods.join('\u0000');
    let shared = this.#lists.get(key);
    if (shared === undefined) this.#lists.set(key, (shared = Object.freeze([...methods])));
    return shared;
  }

  /** null, or the backup server with its methods; only for a VM whose proxy is not the backup server. */
  #failover(value: unknown, path: DocumentPath, proxy: unknown, report: (path: DocumentPath, message: string, value?: unknown) => void): Failover | null | undefined {
    if (value === null) return null;
    const failover = record(value);
    if (failover === undefined) {
      report(path, ...wrongKind(`must be null or { server, methods }`, value));
      return undefined;
    }
    if (proxy === null || proxy === this.#backup) {
      report(path, proxy === null ? 'must be null for a VM without a proxy' : 'must be null when the proxy is the backup server (there is no one to fail over to)', value);
      return undefined;
    }
    let ok = unknownKeys(failover, new Set(['server', 'methods']), path, report);
    const server = own(failover, 'server');
    if (server !== this.#backup) {
      report([...path, 'server'], `must be the backup server ${JSON.stringify(this.#backup)}: only it takes over from a proxy`, server);
      ok = false;
    }
    const methods = this.#methods(own(failover, 'methods'), [...path, 'methods'], 1, report);
    if (methods !== undefined && methods.length === 0) {
      report([...path, 'methods'], 'must name at least one method (a failover without one is null)', methods);
      return undefined;
    }
    if (!ok || methods === undefined) return undefined;
    const key = methods.join('\u0000');
    let shared = this.#failovers.get(key);
    if (shared === undefined) this.#failovers.set(key, (shared = Object.freeze({ server: this.#backup, methods })));
    return shared;
  }
}

/** Reasons of an unassigned VM: kept as written (they explain, they do not decide); false when malformed. */
function checkReasons(value: unknown, status: unknown, path: DocumentPath, report: (path: DocumentPath, message: string, value?: unknown) => void): UnavailableReason[] | undefined | false {
  if (value === undefined) return undefined;
  if (status !== 'unassigned') {
    report(path, `only an unassigned VM has reasons (this one is ${JSON.stringify(status)})`);
    return false;
  }
  const valid = Array.isArray(value) && value.every((item) => {
    const reason = record(item);
    const example = record(reason === undefined ? undefined : own(reason, 'example'));
    return reason !== undefined && example !== undefined && typeof own(reason, 'rule') === 'string' && Number.isSafeInteger(own(reason, 'candidates'))
      && typeof own(example, 'server') === 'string' && typeof own(example, 'message') === 'string';
  });
  if (!valid) {
    report(path, ...wrongKind('must be a list of { rule, candidates, example: { server, message } }', value));
    return false;
  }
  return (value as Record<string, unknown>[]).map((reason) => {
    const example = record(own(reason, 'example')) ?? {};
    return { rule: own(reason, 'rule') as string, candidates: own(reason, 'candidates') as number, example: { server: own(example, 'server') as string, message: own(example, 'message') as string } };
  });
}

/** The record of what the plan was made from; the staleness check needs the input digests. */
function checkMadeFrom(value: unknown, report: (path: DocumentPath, message: string, value?: unknown) => void): PlanMadeFrom | undefined {
  if (value === undefined) return undefined;
  const madeFrom = record(value);
  if (madeFrom === undefined) {
    report(['madeFrom'], ...wrongKind('must be an object (what the plan was made from)', value));
    return undefined;
  }
  const digests: Partial<Record<'inventory' | 'job', InputDigest>> = {};
  for (const input of ['inventory', 'job'] as const) {
    const digest = record(own(madeFrom, input));
    if (own(madeFrom, input) === undefined) continue;
    const file = digest === undefined ? undefined : own(digest, 'file');
    const sha256 = digest === undefined ? undefined : own(digest, 'sha256');
    const bytes = digest === undefined ? undefined : own(digest, 'bytes');
    if (digest === undefined || typeof file !== 'string' || typeof sha256 !== 'string' || !SHA256.test(sha256) || !Number.isSafeInteger(bytes) || (bytes as number) < 0) {
      report(['madeFrom', input], 'must be { file, sha256 (64 hexadecimal digits), bytes }', own(madeFrom, input));
      continue;
    }
    digests[input] = { file, sha256, bytes: bytes as number };
  }
  const rules = record(own(madeFrom, 'rules'));
  const effective = rules === undefined ? undefined : readRules(rules);
  if (effective === undefined) {
    const message = 'must be { packs, files, rules: [{ rule, origin }], sha256 (64 hexadecimal digits) }';
    if (rules === undefined) report(['madeFrom', 'rules'], ...wrongKind(message, own(madeFrom, 'rules')));
    else report(['madeFrom', 'rules'], message);
    return undefined;
  }
  return { ...digests, rules: effective };
}

function readRules(rules: Record<string, unknown>): PlanMadeFrom['rules'] | undefined {
  const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
  const packs = own(rules, 'packs');
  const files = own(rules, 'files');
  const list = own(rules, 'rules');
  const sha256 = own(rules, 'sha256');
  if (!strings(packs) || !strings(files) || typeof sha256 !== 'string' || !SHA256.test(sha256) || !Array.isArray(list)) return undefined;
  const read = list.map((item) => {
    const rule = record(item);
    const name = rule === undefined ? undefined : own(rule, 'rule');
    const origin = rule === undefined ? undefined : own(rule, 'origin');
    return typeof name === 'string' && typeof origin === 'string' ? { rule: name, origin } : undefined;
  });
  if (read.some((rule) => rule === undefined)) return undefined;
  return { packs, files, rules: read as { rule: string; origin: string }[], sha256 };
}

/** Unknown keys of a record, each reported; false when there were any. */
function unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, path: DocumentPath, report: (path: DocumentPath, message: string, value?: unknown) => void): boolean {
  let ok = true;
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    report([...path, key], `unknown key (known: ${[...known].join(', ')})`, key);
    ok = false;
  }
  return ok;
}

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An own member only: a key the data does not hold reads as undefined, whatever Object.prototype has. */
export function own(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

/** A message and the value found: a list or an object is named by its kind, not printed (it may be a whole plan). */
function wrongKind(message: string, value: unknown): [string, unknown] {
  if (typeof value === 'object' && value !== null) return [`${message}, not ${Array.isArray(value) ? 'a list' : 'an object'}`, undefined];
  return value === undefined ? [`${message} (it is missing)`, undefined] : [message, value];
}
