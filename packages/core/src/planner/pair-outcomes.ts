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
 * A key equal for equal fact values. Each value is tagged with its type and
 * ends with NUL, so different value lists never give the same key.
 */
export function signatureOf(frame: readonly unknown[], slots: readonly FactSlot[]): string {
  let key = '';
  for (const slot of slots) {
    const value = frame[slot.index];
    if (typeof value === 'string') key += `s${value}\u0000`;
    else if (value === null || typeof value !== 'object') key += `${typeof value}${String(value)}\u0000`;
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) key += `a${value.length}\u0000${value.join('\u0000')}\u0000`;
    else key += `j${JSON.stringify(value)}\u0000`;
  }
  return key;
}

/**
 * Pair rules memoised per rule: a rule's truth depends only on the few VM and
 * server facts it reads, so it is evaluated once per distinct pair of those
 * values (a handful for most rules), not once per (VM class, server class).
 */
export class PairOutcomes {
  readonly #rules: readonly CompiledRule[];
  readonly #indices: readonly number[];
  readonly #reads: readonly RuleReads[];
  readonly #vmIds: KeyIds[];
  readonly #serverIds: KeyIds[];
  /** Per rule: rows by VM id, columns by server id; -1 unknown, 0 false, 1 true. */
  readonly #tables: (Int8Array | undefined)[][];
  readonly #byFired = new Map<number | string, Outcome>();

  constructor(rules: readonly CompiledRule[], indices: readonly number[], reads: readonly RuleReads[]) {
    this.#rules = rules;
    this.#indices = indices;
    this.#reads = reads;
    this.#vmIds = indices.map(() => new KeyIds());
    this.#serverIds = indices.map(() => new KeyIds());
    this.#tables = indices.map(() => []);
  }

  /** Per-rule ids of a VM class's facts. */
  vmKeys(frame: readonly unknown[]): Int32Array {
    return Int32Array.from(this.#reads, (reads, rule) => this.#vmIds[rule]?.idOf(signatureOf(frame, reads.vm)) ?? 0);
  }

  /** Per-rule ids of a server class's facts. */
  serverKeys(frame: readonly unknown[]): Int32Array {
    return Int32Array.from(this.#reads, (reads, rule) => this.#serverIds[rule]?.idOf(signatureOf(frame, reads.server)) ?? 0);
  }

  /** The outcome of every pair rule for one VM class and one server class; `frames` is built only when needed. */
  outcome(vmKeys: Int32Array, serverKeys: Int32Array, frames: () => Frames): Outcome {
    if (this.#indices.length === 0) return NO_OUTCOME;
    let built: Frames | undefined;
    // Which rules fired: a bitmask while it fits, a list beyond 30 rules.
    const wide = this.#indices.length > 30;
    let mask = 0;
    let list = '';
    for (let rule = 0; rule < this.#indices.length; rule++) {
      const tables = this.#tables[rule] as (Int8Array | undefined)[];
      const vmKey = vmKeys[rule] as number;
      const serverKey = serverKeys[rule] as number;
      let row = tables[vmKey];
      if (row === undefined || row.length <= serverKey) {
        const grown = new Int8Array(Math.max(this.#serverIds[rule]?.size ?? 0, serverKey + 1)).fill(-1);
        if (row !== undefined) grown.set(row);
        tables[vmKey] = row = grown;
      }
      let truth = row[serverKey] as number;
      if (truth === -1) {
        built ??= frames();
        truth = this.#rules[this.#indices[rule] as number]?.test(built) === true ? 1 : 0;
        row[serverKey] = truth;
      }
      if (truth === 1) {
        if (wide) list += `${rule},`;
        else mask |= 1 << rule;
      }
    }
    const key = wide ? list : mask;
    let outcome = this.#byFired.get(key);
    if (outcome === undefined) {
      const fired = this.#indices.filter((_, rule) => (wide ? list.split(',').includes(String(rule)) : (mask & (1 << rule)) !== 0));
      outcome = outcomeOf(this.#rules, fired);
      this.#byFired.set(key, outcome);
    }
    return outcome;
  }
}
