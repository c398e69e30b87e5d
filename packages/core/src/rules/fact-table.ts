import type { FactDefinition, FactScope } from '@gipkit/plugin-api';

export interface FactSlot {
  readonly name: string;
  readonly scope: FactScope;
  /** Position of the value in its scope's frame. */
  readonly index: number;
  readonly definition: FactDefinition;
}

/** Fact values of one evaluation, one array per scope, indexed by slot. */
export interface Frames {
  readonly job: readonly unknown[];
  readonly server: readonly unknown[];
  readonly vm: readonly unknown[];
  readonly pair: readonly unknown[];
}

/** Every fact an engine knows, each with a slot in its scope's frame. */
export class FactTable {
  readonly #slots = new Map<string, FactSlot>();
  readonly #byScope: Record<FactScope, FactSlot[]> = { job: [], server: [], vm: [], pair: [] };

  constructor(definitions: readonly FactDefinition[]) {
    for (const definition of definitions) {
      const scoped = this.#byScope[definition.scope];
      const slot: FactSlot = { name: definition.name, scope: definition.scope, index: scoped.length, definition };
      scoped.push(slot);
      this.#slots.set(definition.name, slot);
    }
  }

  /** Every slot, in the order the facts were given. */
  get slots(): IterableIterator<FactSlot> {
    return this.#slots.values();
  }

  get(name: string): FactSlot | undefined {
    return this.#slots.get(name);
  }

  inScope(scope: FactScope): readonly FactSlot[] {
    return this.#byScope[scope];
  }

  get names(): readonly string[] {
    return [...this.#slots.keys()];
  }
}

/** Widest scope of a set of facts: job < server, vm < pair; server and vm together make pair. */
export function widestScope(scopes: Iterable<FactScope>): FactScope {
  let server = false;
  let vm = false;
  for (const scope of scopes) {
    if (scope === 'pair') return 'pair';
    if (scope === 'server') server = true;
    if (scope === 'vm') vm = true;
  }
  if (server && vm) return 'pair';
  return server ? 'server' : vm ? 'vm' : 'job';
}
