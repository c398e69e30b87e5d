import { ErrorCode, InputError, MAX_TIMEOUT_MS, type Diagnostic } from '@gipkit/plugin-api';
import { readSourceDocument, type DocumentPath, type ReadInputOptions } from '@gipkit/core';
import type { LabFault, SimulatedLabOptions } from '@gipkit/testkit';

const FAULT_KINDS = ['refuse', 'drop', 'hang', 'fail-remove', 'fail-health'] as const;
const HANG_STEPS = ['connect', 'run', 'upload', 'remove'];
const RULE_KEYS = new Set(['server', 'vm', 'method', 'times', 'fault', 'afterCalls', 'step']);

/** What a lab file describes: the lab's latency and faults, and guests whose health check fails. */
export interface LabFile extends SimulatedLabOptions {
  readonly unhealthy: readonly string[];
}

/**
 * Reads a simulated lab's settings (YAML or JSON):
 * `latencyMs: 20` and `faults: [{ server?, vm?, method?, times?, fault: refuse | drop | hang | fail-remove | fail-health, afterCalls?, step? }]`.
 * Every problem is listed at once, with its place and value. Read like the
 * inventory: a regular file of at most `options.maxInputBytes`.
 */
export function loadLabFile(
  file: string,
  known?: { readonly servers: ReadonlySet<string>; readonly vms: ReadonlySet<string> },
  options: ReadInputOptions = {},
): LabFile {
  const document = readSourceDocument(file, options);
  if (document.problems.length > 0) throw new InputError(ErrorCode.InputInvalid, `${file}: cannot read the lab file`, [...document.problems]);
  const problems: Diagnostic[] = [];
  const problem = (path: DocumentPath, message: string, value?: unknown): void => void problems.push(document.at(path, message, value));
  const root = document.data ?? {};
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new InputError(ErrorCode.InputInvalid, `${file}: not a lab file`, document.place([document.at([], 'expected a mapping with latencyMs and faults')]));
  }
  const record = root as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'latencyMs' && key !== 'faults') problems.push(document.atKey([key], 'unknown key', key));
  const latencyMs = record.latencyMs ?? 0;
  if (typeof latencyMs !== 'number' || !(latencyMs >= 0)) problem(['latencyMs'], 'expected a number of milliseconds, 0 or more', latencyMs);
  else if (latencyMs > MAX_TIMEOUT_MS) problem(['latencyMs'], `expected at most ${MAX_TIMEOUT_MS} ms, the longest a timer holds`, latencyMs);
  const faults: LabFault[] = [];
  const unhealthy: string[] = [];
  const list = record.faults ?? [];
  if (!Array.isArray(list)) problem(['faults'], 'expected a list');
  else {
    list.forEach((item: unknown, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return problem(['faults', index], 'expected a mapping');
      const rule = item as Record<string, unknown>;
      for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) problems.push(document.atKey(['faults', index, key], 'unknown key', key));
      for (const key of ['server', 'vm', 'method'] as const) {
        if (rule[key] !== undefined && typeof rule[key] !== 'string') problem(['faults', index, key], 'expected a name', rule[key]);
      }
      if (typeof rule.server === 'string' && known !== undefined && !known.servers.has(rule.server)) problem(['faults', index, 'server'], 'no server of the inventory has this id', rule.server);
      if (typeof rule.vm === 'string' && known !== undefined && !known.vms.has(rule.vm)) problem(['faults', index, 'vm'], 'no VM of the inventory has this id', rule.vm);
      if (rule.times !== undefined && !(Number.isInteger(rule.times) && (rule.times as number) >= 1)) problem(['faults', index, 'times'], 'expected a whole number of at least 1', rule.times);
      const kind = rule.fault;
      if (!FAULT_KINDS.includes(kind as (typeof FAULT_KINDS)[number])) return problem(['faults', index, 'fault'], `expected one of ${FAULT_KINDS.join(', ')}`, kind);
      const where = {
        ...(typeof rule.server === 'string' ? { server: rule.server } : {}),
        ...(typeof rule.vm === 'string' ? { vm: rule.vm } : {}),
        ...(typeof rule.method === 'string' ? { method: rule.method } : {}),
        ...(typeof rule.times === 'number' ? { times: rule.times } : {}),
      };
      if (kind === 'fail-health') {
        if (typeof rule.vm !== 'string') return problem(['faults', index], 'fail-health needs vm: the guest whose health check fails');
        unhealthy.push(rule.vm);
        return undefined;
      }
      if (kind === 'drop') {
        const afterCalls = rule.afterCalls ?? 0;
        if (!Number.isInteger(afterCalls) || (afterCalls as number) < 0) return problem(['faults', index, 'afterCalls'], 'expected a whole number, 0 or more', afterCalls);
        faults.push({ ...where, fault: { kind: 'drop', afterCalls: afterCalls as number } });
        return undefined;
      }
      if (kind === 'hang') {
        if (!HANG_STEPS.includes(rule.step as string)) return problem(['faults', index, 'step'], `expected one of ${HANG_STEPS.join(', ')}`, rule.step);
        faults.push({ ...where, fault: { kind: 'hang', step: rule.step as 'connect' } });
        return undefined;
      }
      faults.push({ ...where, fault: { kind: kind as 'refuse' | 'fail-remove' } });
      return undefined;
    });
  }
  if (problems.length > 0) throw new InputError(ErrorCode.InputInvalid, `${file}: ${problems.length} problem(s) in the lab file`, document.place(problems));
  return { latencyMs: latencyMs as number, faults, unhealthy };
}
