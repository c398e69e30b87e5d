import type { CompiledRule } from '../rules/compile-rule.js';
import type { FactSlot, Frames } from '../rules/fact-table.js';
import { NO_OUTCOME, outcomeOf, type Outcome } from './candidate-outcome.js';

/** The VM and server facts one pair rule depends on (directly or through pair facts). */
export interface RuleReads {
  readonly vm: readonly FactSlot[];
  readonly server: readonly FactSlot[];
}

/** Identifies equal values of some facts: the same key, the same id. */
export class KeyIds {
  readonly #ids = new Map<string, number>();
  idOf(key: string): number {
    let id = this.#ids.get(key);
    if (id === undefined) this.#ids.set(key, (id = this.#ids.size));
    return id;
  }
  get size(): number {
    return this.#ids.size;
  }
}

/**
 * A key equal for equal fact values, and only for them: every string is
 * written with its length (a value may hold NUL or look like the next one),
 * a list with its length and each item so, other scalars with their type,
 * and anything else as JSON (which escapes NUL).
 */
export function signatureOf(frame: readonly unknown[], slots: readonly FactSlot[]): string {
  let key = '';
  for (let i = 0; i < slots.length; i++) key += valueKey(frame[(slots[i] as FactSlot).index]);
  return key;
}

function valueKey(value: unknown): string {
  if (typeof value === 'string') return 's' + String(value.length) + ':' + value;
  if (value === null || typeof value !== 'object') return typeof value + String(value) + '\u0000';
  if (!Array.isArray(value)) return 'j' + JSON.stringify(value) + '\u0000';
  let key = 'a' + String(value.length) + ':';
  for (const item of value) key += typeof item === 'string' ? 's' + String(item.length) + ':' + item : valueKey(item);
  return key;
}

/** One pair rule: its reads, the ids of the values it reads, its truth table, and its rows interned. */
interface PairRule {
  readonly index: number;
  readonly rule: CompiledRule;
  readonly reads: RuleReads;
  readonly vmIds: KeyIds;
  readonly serverIds: KeyIds;
  /** A server frame for each server key: what the rule reads of it. */
  readonly serverFrames: (readonly unknown[])[];
  /** Rows by VM key, one column per server key: -1 not evaluated yet, 0 false, 1 true. */
  readonly table: (Int8Array | undefined)[];
  /** The id of each VM key's full row: VM keys with equal rows decide the same for every server. */
  readonly rowOfVmKey: number[];
  readonly rowIds: KeyIds;
}

function ruleAt(rules: readonly CompiledRule[], index: number): CompiledRule {
  const rule = rules[index];
  if (rule === undefined) throw new RangeError(`no rule at position ${index}`);
  return rule;
}

/** Builds the frames a pair rule is evaluated on, for one server frame and one VM frame. */
export type PairFrames = (server: readonly unknown[], vm: readonly unknown[]) => Frames;

/**
 * Pair rules memoised per rule: a rule's truth depends only on the few VM and
 * server facts it reads, so it is evaluated once per distinct pair of those
 * values (a handful for most rules), not once per (VM class, server class).
 *
 * A VM's row for a rule is the rule's truth for every distinct server value it
 * reads. VMs whose rows are equal for every pair rule get the same pair
 * outcome from every server, whatever their other facts: `rowKey` is what
 * VMs are grouped by for selection.
 */
export class PairOutcomes {
  readonly #rules: readonly CompiledRule[];
  readonly #pair: readonly PairRule[];
  readonly #frames: PairFrames;
  readonly #byFired = new Map<number | string, Outcome>();

  constructor(rules: readonly CompiledRule[], indices: readonly number[], reads: readonly RuleReads[], frames: PairFrames) {
    this.#rules = rules;
    this.#frames = frames;
    this.#pair = indices.map((index, rule) => ({
      index,
      rule: ruleAt(rules, index),
      reads: reads[rule] ?? { vm: [], server: [] },
      vmIds: new KeyIds(),
      serverIds: new KeyIds(),
      serverFrames: [],
      table: [],
      rowOfVmKey: [],
      rowIds: new KeyIds(),
    }));
  }

  /** Per-rule ids of a VM class's facts. */
  vmKeys(frame: readonly unknown[]): Int32Array {
    const keys = new Int32Array(this.#pair.length);
    for (let rule = 0; rule < keys.length; rule++) {
      const pair = this.#pair[rule] as PairRule;
      keys[rule] = pair.vmIds.idOf(signatureOf(frame, pair.reads.vm));
    }
    return keys;
  }

  /** Per-rule ids of a server class's facts; every server class is given before any row is asked for. */
  serverKeys(frame: readonly unknown[]): Int32Array {
    const keys = new Int32Array(this.#pair.length);
    for (let rule = 0; rule < keys.length; rule++) {
      const pair = this.#pair[rule] as PairRule;
      const key = pair.serverIds.idOf(signatureOf(frame, pair.reads.server));
      if (key === pair.serverFrames.length) pair.serverFrames.push(frame);
      keys[rule] = key;
    }
    return keys;
  }

  /**
   * What VMs with these keys are grouped by: for each pair rule, the id of the
   * row of its truths over every server value. Evaluates the rows not known yet.
   */
  rowKey(vmKeys: Int32Array, vmFrame: readonly unknown[]): string {
    let key = '';
    for (let rule = 0; rule < this.#pair.length; rule++) {
      const pair = this.#pair[rule] as PairRule;
      const vmKey = vmKeys[rule] as number;
      let row = pair.rowOfVmKey[vmKey];
      if (row === undefined) {
        const truths = this.#row(pair, vmKey);
        let text = '';
        for (let serverKey = 0; serverKey < pair.serverFrames.length; serverKey++) {
          if (truths[serverKey] === -1) truths[serverKey] = this.#test(pair, this.#frames(pair.serverFrames[serverKey] as readonly unknown[], vmFrame));
          text += truths[serverKey] === 1 ? '1' : '0';
        }
        row = pair.rowIds.idOf(text);
        pair.rowOfVmKey[vmKey] = row;
      }
      key += String(row) + ',';
    }
    return key;
  }

  /** The outcome of every pair rule for one VM class and one server class, from the rows `rowKey` evaluated. */
  outcome(vmKeys: Int32Array, serverKeys: Int32Array): Outcome {
    if (this.#pair.length === 0) return NO_OUTCOME;
    // Which rules fired: a bitmask while it fits, a list beyond 30 rules.
    const wide = this.#pair.length > 30;
    let mask = 0;
    let list = '';
    for (let rule = 0; rule < this.#pair.length; rule++) {
      const pair = this.#pair[rule] as PairRule;
      const truth = pair.table[vmKeys[rule] as number]?.[serverKeys[rule] as number];
      if (truth === undefined || truth === -1) throw new RangeError(`pair rule ${pair.rule.name} was not evaluated for these keys: rowKey comes first`);
      if (truth === 1) {
        if (wide) list += `${rule},`;
        else mask |= 1 << rule;
      }
    }
    const key = wide ? list : mask;
    let outcome = this.#byFired.get(key);
    if (outcome === undefined) {
      const fired = this.#pair.flatMap((pair, rule) => ((wide ? list.split(',').includes(String(rule)) : (mask & (1 << rule)) !== 0) ? [pair.index] : []));
      outcome = outcomeOf(this.#rules, fired);
      this.#byFired.set(key, outcome);
    }
    return outcome;
  }

  /** The row of a VM key: one entry per server key (all known before any row is made), -1 where not evaluated yet. */
  #row(pair: PairRule, vmKey: number): Int8Array {
    let row = pair.table[vmKey];
    if (row === undefined) pair.table[vmKey] = row = new Int8Array(pair.serverFrames.length).fill(-1);
    return row;
  }

  #test(pair: PairRule, frames: Frames): 0 | 1 {
    return pair.rule.test(frames) ? 1 : 0;
  }
}
