import type { Credentials, FactDefinition, JobFactContext, PairFactContext, ServerFactContext, Vm, VmFactContext } from '@gipkit/plugin-api';
import type { FactSlot, FactTable } from '../rules/fact-table.js';
import type { EstateIndex } from './estate-index.js';

type ContextOf<D> = D extends { value: (context: infer C) => unknown } ? C : never;

function fill<D extends FactDefinition>(slots: readonly FactSlot[], size: number, context: ContextOf<D>): unknown[] {
  const frame = new Array<unknown>(size);
  for (const slot of slots) {
    const value = (slot.definition.value as (context: ContextOf<D>) => unknown)(context);
    frame[slot.index] = value === undefined ? null : value;
  }
  return frame;
}

/** Computes fact frames over one estate: only the slots asked for. */
export class FactFrames {
  readonly #facts: FactTable;
  readonly #estate: EstateIndex;

  constructor(facts: FactTable, estate: EstateIndex) {
    this.#facts = facts;
    this.#estate = estate;
  }

  job(slots: readonly FactSlot[]): unknown[] {
    const context: JobFactContext = { inventory: this.#estate.inventory, job: this.#estate.job };
    return fill(slots, this.#facts.inScope('job').length, context);
  }

  server(index: number, slots: readonly FactSlot[]): unknown[] {
    const estate = this.#estate;
    const server = estate.servers[index];
    if (server === undefined) throw new RangeError(`no server at ${index}`);
    const context: ServerFactContext = {
      inventory: estate.inventory,
      job: estate.job,
      server,
      networks: estate.networksOf(server.addresses, server.networks),
      isBackupServer: index === estate.backupServer,
    };
    return fill(slots, this.#facts.inScope('server').length, context);
  }

  vm(id: string, slots: readonly FactSlot[]): unknown[] {
    return this.vmFrame(this.#estate.vm(id), this.#estate.credentialsOf(id), slots);
  }

  /** The frame of the VM at a position of the job: no look-up by id. */
  jobVm(position: number, slots: readonly FactSlot[]): unknown[] {
    const { vm, at } = this.#estate.jobVm(position);
    return this.vmFrame(vm, this.#estate.credentialsAt(at), slots);
  }

  vmFrame(vm: Vm, credentials: Credentials, slots: readonly FactSlot[]): unknown[] {
    const estate = this.#estate;
    const context: VmFactContext = {
      inventory: estate.inventory,
      job: estate.job,
      vm,
      host: estate.host(vm.host),
      networks: estate.networksOf(vm.addresses, vm.networks),
      credentials,
    };
    return fill(slots, this.#facts.inScope('vm').length, context);
  }

  pair(server: readonly unknown[], vm: readonly unknown[], slots: readonly FactSlot[]): unknown[] {
    const read = (frame: readonly unknown[], scope: 'server' | 'vm') => (name: string): unknown => {
      const slot = this.#facts.get(name);
      return slot?.scope === scope ? frame[slot.index] : undefined;
    };
    const context: PairFactContext = { server: read(server, 'server'), vm: read(vm, 'vm') };
    return fill(slots, this.#facts.inScope('pair').length, context);
  }
}
