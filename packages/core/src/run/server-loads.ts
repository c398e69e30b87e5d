/**
 * Each server's live task count in a run, by inventory position: it rises as a task starts and falls as it ends.
 * Deployment and cleanup share one, so that the limits hold across both. A position outside the inventory is a
 * bug, not a server with no load: it throws rather than reading as 0.
 */
export class ServerLoads {
  readonly #counts: Int32Array;

  constructor(servers: number) {
    this.#counts = new Int32Array(servers);
  }

  get servers(): number {
    return this.#counts.length;
  }

  at(server: number): number {
    const count = this.#counts[server];
    if (count === undefined) throw new RangeError(`no server at position ${server} (the inventory has ${this.#counts.length})`);
    return count;
  }

  add(server: number, delta: 1 | -1): void {
    this.#counts[server] = this.at(server) + delta;
  }
}
