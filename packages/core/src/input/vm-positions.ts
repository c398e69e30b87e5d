import type { Inventory, Job, Vm } from '@gipkit/plugin-api';

/**
 * Where each VM lies in a validated inventory: by id, and for each entry of the
 * job. Validation finds both while it checks references; every plan and run of
 * that input reuses them rather than building another 100,000-entry map.
 */
export interface VmPositions {
  /** Inventory position of each VM id. */
  readonly byId: ReadonlyMap<string, number>;
  /** Inventory position of each VM of the job, in job order (-1: not in the inventory, never in a valid input). */
  readonly ofJob: Int32Array;
}

/** By the validated inventory's VM list, for the job VM list it was checked with. */
const found = new WeakMap<readonly Vm[], { readonly jobVms: readonly string[]; readonly positions: VmPositions }>();

/** Called by validation for an input it accepted. */
export function rememberPositions(inventory: Inventory, job: Job, positions: VmPositions): void {
  found.set(inventory.vms, { jobVms: job.vms, positions });
}

/** The positions validation found for this inventory and job, or found now (input built without validation). */
export function vmPositionsOf(inventory: Inventory, job: Job): VmPositions {
  const known = found.get(inventory.vms);
  if (known !== undefined && known.jobVms === job.vms) return known.positions;
  const byId = new Map<string, number>();
  inventory.vms.forEach((vm, position) => {
    if (!byId.has(vm.id)) byId.set(vm.id, position);
  });
  return { byId, ofJob: Int32Array.from(job.vms, (id) => byId.get(id) ?? -1) };
}
