import {
  DEPLOYMENT_STEPS, MAX_TIMEOUT_MS,
  type ConnectionFailure, type DeploymentResult, type ErrorSummary, type GuestTarget, type GuestTask, type SecretReference, type StepTimeouts,
  type TaskOutcome, type TaskReport,
} from '@gipkit/plugin-api';
import { DIGEST, RUN_ID, TASK_ID } from './queue-keys.js';
import { flag, integer, oneOf, own, record, ShapeProblem, text, texts } from './message-shape.js';

/** What the coordinator puts on a server's queue: one task of one run. No secret: the target names its secret by reference. */
export interface TaskMessage {
  readonly v: 1;
  readonly taskId: string;
  readonly task: GuestTask;
  /** Deployments: the run's bundle, published under its digest. */
  readonly bundle?: BundleRef;
}

export interface BundleRef {
  readonly digest: string;
  readonly size: number;
}

/** The largest task message an agent reads (a task is a few hundred bytes; a VM with many addresses a few KiB). */
export const TASK_MESSAGE_MAX_BYTES = 64 * 1024;
const NAME = { max: 256 } as const;
const METHOD = /^[a-z][a-z0-9-]{0,63}$/;
const FAMILIES = ['linux', 'windows'] as const;
const MODES = ['non-persistent', 'persistent'] as const;
const STEPS_AND_REMOVE = [...DEPLOYMENT_STEPS, 'remove'] as const;
const TIMEOUT_KEYS = ['connect', 'upload', 'install', 'start', 'health', 'remove'] as const;

/**
 * Reads a task message as an agent receives it; throws a `ShapeProblem` that
 * says what is wrong. Every field is checked, unknown fields are refused: a
 * forged message is never half read.
 */
export function readTaskMessage(data: unknown): TaskMessage {
  if ((JSON.stringify(data)?.length ?? 0) > TASK_MESSAGE_MAX_BYTES) throw new ShapeProblem(`the task message is larger than ${TASK_MESSAGE_MAX_BYTES} bytes`);
  const message = record(data, 'message', ['v', 'taskId', 'task', 'bundle']);
  if (own(message, 'v') !== 1) throw new ShapeProblem(`message.v must be 1 (this agent reads version 1 messages)`);
  const taskId = text(message, 'taskId', 'message', { pattern: TASK_ID });
  const task = readTask(own(message, 'task'));
  if (!taskId.startsWith(`${task.runId}.`)) throw new ShapeProblem('message.taskId is not a task of message.task.runId');
  const bundleValue = own(message, 'bundle');
  if (task.kind === 'deploy' && bundleValue === undefined) throw new ShapeProblem('a deploy task needs message.bundle');
  if (bundleValue === undefined) return { v: 1, taskId, task };
  const bundle = record(bundleValue, 'message.bundle', ['digest', 'size']);
  return { v: 1, taskId, task, bundle: { digest: text(bundle, 'digest', 'message.bundle', { pattern: DIGEST }), size: integer(bundle, 'size', 'message.bundle', 0, Number.MAX_SAFE_INTEGER) } };
}

function readTask(value: unknown): GuestTask {
  const kind = oneOf(fieldsOf(value, 'task'), 'kind', 'task', ['deploy', 'remove']);
  if (kind === 'deploy') {
    const task = record(value, 'task', ['kind', 'runId', 'server', 'target', 'methods', 'mode', 'bundle', 'timeouts', 'failedOver', 'location']);
    const bundle = record(own(task, 'bundle'), 'task.bundle', ['name', 'version']);
    const failedOver = flag(task, 'failedOver', 'task');
    const location = text(task, 'location', 'task', { max: 4096, optional: true });
    return {
      kind,
      runId: text(task, 'runId', 'task', { pattern: RUN_ID }),
      server: text(task, 'server', 'task', NAME),
      target: readTarget(own(task, 'target')),
      methods: texts(task, 'methods', 'task', { maxItems: 8, pattern: METHOD }),
      mode: oneOf(task, 'mode', 'task', MODES),
      bundle: { name: text(bundle, 'name', 'task.bundle', { max: 128 }), version: text(bundle, 'version', 'task.bundle', { max: 128 }) },
      timeouts: readTimeouts(own(task, 'timeouts')),
      ...(failedOver === undefined ? {} : { failedOver }),
      ...(location === undefined ? {} : { location }),
    };
  }
  const task = record(value, 'task', ['kind', 'runId', 'server', 'target', 'methods', 'location', 'timeouts']);
  return {
    kind,
    runId: text(task, 'runId', 'task', { pattern: RUN_ID }),
    server: text(task, 'server', 'task', NAME),
    target: readTarget(own(task, 'target')),
    methods: texts(task, 'methods', 'task', { maxItems: 8, pattern: METHOD }),
    location: text(task, 'location', 'task', { max: 4096 }),
    timeouts: readTimeouts(own(task, 'timeouts')),
  };
}

/** A plain object's own fields, to read its discriminant before its shape is known. */
function fieldsOf(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeProblem(`${where} must be an object`);
  return value as Readonly<Record<string, unknown>>;
}

function readTarget(value: unknown): GuestTarget {
  const target = record(value, 'task.target', ['vm', 'host', 'platform', 'family', 'addresses', 'account', 'secret', 'sshPort']);
  const where = 'task.target';
  const secret = own(target, 'secret');
  const sshPort = integer(target, 'sshPort', where, 1, 65_535, true);
  return {
    vm: text(target, 'vm', where, NAME),
    host: text(target, 'host', where, NAME),
    platform: text(target, 'platform', where, { max: 64, pattern: METHOD }),
    family: oneOf(target, 'family', where, FAMILIES),
    addresses: texts(target, 'addresses', where, { maxItems: 256, max: 256 }),
    account: text(target, 'account', where, NAME),
    ...(secret === undefined ? {} : { secret: readSecretReference(secret) }),
    ...(sshPort === undefined ? {} : { sshPort }),
  };
}

/** `{ KIND: VALUE }`: one own string field; the agent's resolver decides whether it reads that kind. */
function readSecretReference(value: unknown): SecretReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    throw new ShapeProblem('task.target.secret must be a reference such as {"env": "NAME"}');
  }
  const keys = Object.keys(value);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined || !/^[a-z][a-z0-9-]{0,31}$/.test(kind)) throw new ShapeProblem('task.target.secret must have exactly one kind, such as {"env": "NAME"}');
  const where = (value as Record<string, unknown>)[kind];
  if (typeof where !== 'string' || where.length > 4096) throw new ShapeProblem(`task.target.secret.${kind} must be a string`);
  return { [kind]: where } as SecretReference;
}

function readTimeouts(value: unknown): StepTimeouts {
  const timeouts = record(value, 'task.timeouts', TIMEOUT_KEYS);
  const read = (key: (typeof TIMEOUT_KEYS)[number]): number => integer(timeouts, key, 'task.timeouts', 1, MAX_TIMEOUT_MS);
  return { connect: read('connect'), upload: read('upload'), install: read('install'), start: read('start'), health: read('health'), remove: read('remove') };
}

/** What an agent writes to a run's report stream. */
export type ReportEntry =
  | { readonly kind: 'accepted' }
  /** A non-persistent deployment's folder, known before anything is written there: who takes over a stalled task removes it. */
  | { readonly kind: 'located'; readonly location: string }
  | { readonly kind: 'report'; readonly report: TaskReport }
  /** Several reports of one task, in the order made: an agent holds a task's reports a moment, to write them together. */
  | { readonly kind: 'reports'; readonly reports: readonly TaskReport[] }
  | { readonly kind: 'outcome'; readonly outcome: TaskOutcome }
  /** The agent refused the message; it ran nothing. */
  | { readonly kind: 'rejected'; readonly reason: string };

export const REPORT_KINDS = ['accepted', 'located', 'report', 'reports', 'outcome', 'rejected'] as const;

/** At most this many reports in one `reports` entry. */
export const MAX_REPORTS_PER_ENTRY = 64;

/** Reads a report entry's body as the coordinator receives it; throws a `ShapeProblem`. */
export function readReportEntry(kind: string, body: unknown): ReportEntry {
  switch (kind) {
    case 'accepted':
      return { kind };
    case 'located':
      return { kind, location: text(record(body, 'located', ['location']), 'location', 'located', { max: 4096 }) };
    case 'rejected':
      return { kind, reason: text(record(body, 'rejected', ['reason']), 'reason', 'rejected', { max: 4096 }) };
    case 'report':
      return { kind, report: readReport(body) };
    case 'reports':
      if (!Array.isArray(body) || body.length === 0 || body.length > MAX_REPORTS_PER_ENTRY) throw new ShapeProblem(`reports must be a list of 1 to ${MAX_REPORTS_PER_ENTRY} reports`);
      return { kind, reports: body.map((report: unknown) => readReport(report)) };
    case 'outcome':
      return { kind, outcome: readOutcome(body) };
    default:
      throw new ShapeProblem(`unknown report kind ${JSON.stringify(kind)}`);
  }
}

function readCause(value: unknown, where: string): ErrorSummary {
  const cause = record(value, where, ['code', 'message']);
  return { code: text(cause, 'code', where, { max: 64, pattern: /^[A-Z][A-Z0-9_]*$/ }), message: text(cause, 'message', where, { max: 8192 }) };
}

function readFailure(value: unknown, where: string): ConnectionFailure {
  const failure = record(value, where, ['server', 'method', 'cause']);
  return { server: text(failure, 'server', where, NAME), method: text(failure, 'method', where, { max: 64 }), cause: readCause(own(failure, 'cause'), `${where}.cause`) };
}

function readReport(value: unknown): TaskReport {
  const kind = oneOf(fieldsOf(value, 'report'), 'kind', 'report', ['step', 'connection-failed', 'reconnecting', 'notice']);
  switch (kind) {
    case 'step': {
      const report = record(value, 'report', ['kind', 'method', 'step']);
      return { kind, method: text(report, 'method', 'report', { max: 64 }), step: oneOf(report, 'step', 'report', DEPLOYMENT_STEPS) };
    }
    case 'connection-failed':
      return { kind, failure: readFailure(own(record(value, 'report', ['kind', 'failure']), 'failure'), 'report.failure') };
    case 'reconnecting': {
      const report = record(value, 'report', ['kind', 'method', 'cause']);
      return { kind, method: text(report, 'method', 'report', { max: 64 }), cause: readCause(own(report, 'cause'), 'report.cause') };
    }
    case 'notice': {
      const notice = record(own(record(value, 'report', ['kind', 'notice']), 'notice'), 'report.notice', ['kind', 'endpoint', 'algorithm', 'fingerprint', 'knownHostsFile']);
      const file = text(notice, 'knownHostsFile', 'report.notice', { max: 4096, optional: true });
      return {
        kind,
        notice: {
          kind: oneOf(notice, 'kind', 'report.notice', ['host-key-trusted']),
          endpoint: text(notice, 'endpoint', 'report.notice', NAME),
          algorithm: text(notice, 'algorithm', 'report.notice', { max: 64 }),
          fingerprint: text(notice, 'fingerprint', 'report.notice', NAME),
          ...(file === undefined ? {} : { knownHostsFile: file }),
        },
      };
    }
  }
}

function readOutcome(value: unknown): TaskOutcome {
  const status = oneOf(fieldsOf(value, 'outcome'), 'status', 'outcome', ['succeeded', 'unreachable', 'failed']);
  switch (status) {
    case 'succeeded': {
      const outcome = record(value, 'outcome', ['status', 'method', 'deployment']);
      const deployment = own(outcome, 'deployment');
      return { status, method: text(outcome, 'method', 'outcome', { max: 64 }), ...(deployment === undefined ? {} : { deployment: readDeployment(deployment) }) };
    }
    case 'unreachable': {
      const outcome = record(value, 'outcome', ['status', 'failures', 'location']);
      const failures = own(outcome, 'failures');
      if (!Array.isArray(failures) || failures.length > 64) throw new ShapeProblem('outcome.failures must be a list of at most 64 failures');
      const location = text(outcome, 'location', 'outcome', { max: 4096, optional: true });
      return { status, failures: failures.map((failure: unknown, index) => readFailure(failure, `outcome.failures[${index}]`)), ...(location === undefined ? {} : { location }) };
    }
    case 'failed': {
      const outcome = record(value, 'outcome', ['status', 'method', 'step', 'cause', 'location']);
      const location = text(outcome, 'location', 'outcome', { max: 4096, optional: true });
      return {
        status,
        method: text(outcome, 'method', 'outcome', { max: 64 }),
        step: oneOf(outcome, 'step', 'outcome', STEPS_AND_REMOVE),
        cause: readCause(own(outcome, 'cause'), 'outcome.cause'),
        ...(location === undefined ? {} : { location }),
      };
    }
  }
}

function readDeployment(value: unknown): DeploymentResult {
  const deployment = record(value, 'outcome.deployment', ['mode', 'location', 'version', 'reused', 'stale']);
  const stale = integer(deployment, 'stale', 'outcome.deployment', 0, 1_000_000, true);
  return {
    mode: oneOf(deployment, 'mode', 'outcome.deployment', MODES),
    location: text(deployment, 'location', 'outcome.deployment', { max: 4096 }),
    version: text(deployment, 'version', 'outcome.deployment', { max: 128 }),
    reused: flag(deployment, 'reused', 'outcome.deployment') ?? false,
    ...(stale === undefined ? {} : { stale }),
  };
}
