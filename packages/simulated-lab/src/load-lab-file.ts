import { ErrorCode, InputError, MAX_TIMEOUT_MS, type Diagnostic, type Inventory } from '@gipkit/plugin-api';
import { readSourceDocument, type DocumentPath, type ReadInputOptions } from '@gipkit/core';
import { HANG_STEPS, LAB_FAULT_KINDS, type HangStep, type LabFault, type LabFaultMatch, type LabFile } from './simulated-lab.js';

const ROOT_KEYS = new Set(['latencyMs', 'faults']);
const FAULT_KEYS = new Set(['server', 'vm', 'method', 'times', 'fault', 'afterCalls', 'step']);

export interface LoadLabFileOptions extends ReadInputOptions {
  /** When given, every `server` and `vm` a fault names must be one of this inventory's. */
  readonly inventory?: Pick<Inventory, 'servers' | 'vms'>;
}

/**
 * Reads a simulated lab's settings (YAML or JSON):
 * `latencyMs: 20` and `faults: [{ server?, vm?, method?, times?, fault: refuse | drop | hang | fail-remove | fail-health, afterCalls?, step? }]`.
 * The result is `SimulatedLab`'s options as is. Every problem is listed at once,
 * in one `InputError` (`GIPKIT_INPUT_INVALID`), each with the file, its
 * line:column, the key path and the value found. Read like the inventory: a
 * regular file of at most `options.maxInputBytes` (default 1 GiB).
 */
export function loadLabFile(file: string, options: LoadLabFileOptions = {}): LabFile & { readonly latencyMs: number; readonly faults: readonly LabFault[] } {
  const { inventory, ...readOptions } = options;
  const document = readSourceDocument(file, readOptions);
  if (document.problems.length > 0) throw new InputError(ErrorCode.InputInvalid, `${file}: cannot read the lab file`, [...document.problems]);
  const problems: Diagnostic[] = [];
  const problem = (path: DocumentPath, message: string, value?: unknown): void => void problems.push(document.at(path, message, value));
  const root = document.data ?? {};
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new InputError(ErrorCode.InputInvalid, `${file}: not a lab file`, document.place([document.at([], 'expected a mapping with latencyMs and faults')]));
  }
  const known = inventory === undefined ? undefined : { servers: new Set(inventory.servers.map((server) => server.id)), vms: new Set(inventory.vms.map((vm) => vm.id)) };
  const record = root as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!ROOT_KEYS.has(key)) problems.push(document.atKey([key], 'unknown key', key));
  const latencyMs = (Object.hasOwn(record, 'latencyMs') ? record.latencyMs : undefined) ?? 0;
  // `!(x >= 0)` also refuses NaN; infinity is above the limit.
  if (typeof latencyMs !== 'number' || !(latencyMs >= 0)) problem(['latencyMs'], 'expected a number of milliseconds, 0 or more', latencyMs);
  else if (latencyMs > MAX_TIMEOUT_MS) problem(['latencyMs'], `expected at most ${MAX_TIMEOUT_MS} ms, the longest a timer holds`, latencyMs);
  const faults: LabFault[] = [];
  const list = (Object.hasOwn(record, 'faults') ? record.faults : undefined) ?? [];
  if (!Array.isArray(list)) problem(['faults'], 'expected a list', list);
  else {
    list.forEach((item: unknown, index) => {
      const fault = labFault(item, index);
      if (fault !== undefined) faults.push(fault);
    });
  }
  if (problems.length > 0) throw new InputError(ErrorCode.InputInvalid, `${file}: ${problems.length} problem(s) in the lab file`, document.place(problems));
  return { latencyMs: latencyMs as number, faults };

  /** One fault, or undefined after recording its problems. */
  function labFault(item: unknown, index: number): LabFault | undefined {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problem(['faults', index], 'expected a mapping', item);
    const rule = item as Record<string, unknown>;
    const at = (key: string): unknown => (Object.hasOwn(rule, key) ? rule[key] : undefined);
    const before = problems.length;
    for (const key of Object.keys(rule)) if (!FAULT_KEYS.has(key)) problems.push(document.atKey(['faults', index, key], 'unknown key', key));
    for (const key of ['server', 'vm', 'method'] as const) {
      if (at(key) !== undefined && typeof at(key) !== 'string') problem(['faults', index, key], 'expected a name', at(key));
    }
    const server = at('server');
    const vm = at('vm');
    if (typeof server === 'string' && known !== undefined && !known.servers.has(server)) problem(['faults', index, 'server'], 'no server of the inventory has this id', server);
    if (typeof vm === 'string' && known !== undefined && !known.vms.has(vm)) problem(['faults', index, 'vm'], 'no VM of the inventory has this id', vm);
    const times = at('times');
    if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) problem(['faults', index, 'times'], 'expected a whole number of at least 1', times);
    const kind = at('fault');
    if (!(LAB_FAULT_KINDS as readonly unknown[]).includes(kind)) return void problem(['faults', index, 'fault'], `expected one of ${LAB_FAULT_KINDS.join(', ')}`, kind);
    const onlyFor = (key: string, kinds: string): void => {
      if (at(key) !== undefined) problem(['faults', index, key], `${key} applies to ${kinds} only, not to ${String(kind)}`, at(key));
    };
    if (kind !== 'drop') onlyFor('afterCalls', 'drop');
    if (kind !== 'hang') onlyFor('step', 'hang');
    if (kind === 'fail-health') {
      for (const key of ['server', 'method', 'times']) {
        if (at(key) !== undefined) problem(['faults', index, key], `fail-health belongs to a guest, whatever the connection: give vm only, not ${key}`, at(key));
      }
      if (vm === undefined) return void problem(['faults', index], 'fail-health needs vm: the guest whose health check fails');
    }
    const afterCalls = at('afterCalls');
    if (kind === 'drop' && afterCalls !== undefined && !(Number.isInteger(afterCalls) && (afterCalls as number) >= 0)) {
      problem(['faults', index, 'afterCalls'], 'expected a whole number, 0 or more', afterCalls);
    }
    const step = at('step');
    if (kind === 'hang' && !(HANG_STEPS as readonly unknown[]).includes(step)) problem(['faults', index, 'step'], `expected one of ${HANG_STEPS.join(', ')}`, step);
    if (problems.length > before) return undefined;
    if (kind === 'fail-health') return { vm: vm as string, fault: 'fail-health' };
    const match: LabFaultMatch = {
      ...(typeof server === 'string' ? { server } : {}),
      ...(typeof vm === 'string' ? { vm } : {}),
      ...(typeof at('method') === 'string' ? { method: at('method') as string } : {}),
      ...(typeof times === 'number' ? { times } : {}),
    };
    switch (kind) {
      case 'drop':
        return { ...match, fault: 'drop', afterCalls: (afterCalls as number | undefined) ?? 0 };
      case 'hang':
        return { ...match, fault: 'hang', step: step as HangStep };
      default:
        return { ...match, fault: kind as 'refuse' | 'fail-remove' };
    }
  }
}
