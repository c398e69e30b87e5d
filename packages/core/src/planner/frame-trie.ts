import type { FactSlot } from '../rules/fact-table.js';

/**
 * Frames by the values of some of their slots: one map per slot, walked in
 * slot order. A look-up costs one map access per slot and builds no string.
 * Two frames with equal values in distinct frozen lists get distinct entries;
 * what is stored here must not depend on that (the planner judges each entry
 * and groups entries by what the rules decide), so it only saves work.
 */
export class FrameTrie<T> {
  readonly #slots: readonly FactSlot[];
  readonly #root = new Map<unknown, unknown>();
  /** One token per JSON text of a list or object that is not a frozen list: a token is never equal to a string value. */
  readonly #tokens = new Map<string, object>();
  #size = 0;

  constructor(slots: readonly FactSlot[]) {
    this.#slots = slots;
  }

  /** Entries stored. */
  get size(): number {
    return this.#size;
  }

  /**
   * The key of one fact value in a map: strings, numbers, booleans and null as
   * they are (maps compare them by SameValueZero, so `1` and `'1'` stay apart);
   * a frozen list by identity (the estate hands every VM in the same networks
   * the same frozen lists); any other list or object by a token for its JSON text.
   */
  #keyOf(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value) && Object.isFrozen(value)) return value;
    const text = JSON.stringify(value);
    let token = this.#tokens.get(text);
    if (token === undefined) this.#tokens.set(text, (token = {}));
    return token;
  }

  /** The entry of the frame's values; `create` makes it when there is none. */
  find(frame: readonly unknown[], create: () => T): T {
    const slots = this.#slots;
    let level = this.#root;
    const last = slots.length - 1;
    for (let i = 0; i < last; i++) {
      const key = this.#keyOf(frame[(slots[i] as FactSlot).index]);
      let next = level.get(key) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(key, (next = new Map()));
      level = next;
    }
    const key = last < 0 ? undefined : this.#keyOf(frame[(slots[last] as FactSlot).index]);
    if (level.has(key)) return level.get(key) as T;
    const entry = create();
    level.set(key, entry);
    this.#size++;
    return entry;
  }
}
