/**
 * A min-heap of servers keyed by (load, inventory position), for one class of
 * VMs. Loads only grow, so a stored key is a lower bound: the top is checked
 * against the live load and re-sifted when stale (lazy update). Each pick is
 * O(log n) amortised instead of a scan of every candidate.
 */
export class LoadHeap {
  readonly #servers: Int32Array;
  readonly #keys: Float64Array;
  readonly #loads: Int32Array;
  readonly #stride: number;

  /** `servers` in inventory order; `loads` is shared and updated by the planner. */
  constructor(servers: readonly number[], loads: Int32Array) {
    this.#servers = Int32Array.from(servers);
    this.#loads = loads;
    this.#stride = loads.length;
    this.#keys = new Float64Array(servers.length);
    for (let i = 0; i < servers.length; i++) this.#keys[i] = this.#key(servers[i] ?? 0);
    for (let i = (servers.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #key(server: number): number {
    return (this.#loads[server] ?? 0) * this.#stride + server;
  }

  /** The server with the least load, the first in the inventory among equals. */
  peek(): number {
    for (;;) {
      const top = this.#servers[0] ?? -1;
      if (top < 0) return -1;
      const live = this.#key(top);
      if (live === this.#keys[0]) return top;
      this.#keys[0] = live;
      this.#siftDown(0);
    }
  }

  #siftDown(start: number): void {
    const servers = this.#servers;
    const keys = this.#keys;
    const size = servers.length;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && (keys[right] ?? 0) < (keys[left] ?? 0) ? right : left;
      if ((keys[child] ?? 0) >= (keys[i] ?? 0)) return;
      [servers[i], servers[child]] = [servers[child] ?? 0, servers[i] ?? 0];
      [keys[i], keys[child]] = [keys[child] ?? 0, keys[i] ?? 0];
      i = child;
    }
  }
}

/** Linear pick for small candidate lists (no heap to build). */
export function leastLoaded(servers: readonly number[], loads: Int32Array): number {
  let best = -1;
  let bestLoad = Number.POSITIVE_INFINITY;
  for (const server of servers) {
    const load = loads[server] ?? 0;
    if (load < bestLoad) {
      best = server;
      bestLoad = load;
    }
  }
  return best;
}
