/**
 * The least loaded server of a candidate list, the first in the inventory
 * among equals (the list is in inventory order). A linear scan over a typed
 * array: loads are shared by every class of VMs and change with each
 * assignment, which makes per-class heaps re-sift constantly; a scan of a few
 * hundred integers is cheaper and exact.
 */
export function leastLoaded(servers: Int32Array, loads: Int32Array): number {
  let best = -1;
  let bestLoad = 0x7fffffff;
  for (let i = 0; i < servers.length; i++) {
    const server = servers[i] as number;
    const load = loads[server] as number;
    if (load < bestLoad) {
      best = server;
      bestLoad = load;
    }
  }
  return best;
}
