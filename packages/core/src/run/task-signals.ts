/**
 * One AbortSignal per running task, all aborted when the run's signal aborts.
 * Every session call listens to its task's signal; with hundreds of tasks
 * running, listening to one shared signal instead would make each
 * `addEventListener` scan hundreds of listeners (EventTarget checks for
 * duplicates), and warn past ten.
 */
export class TaskSignals {
  readonly #running = new Set<AbortController>();
  readonly #outer: AbortSignal;

  constructor(outer: AbortSignal) {
    this.#outer = outer;
    outer.addEventListener('abort', () => {
      for (const controller of this.#running) controller.abort(outer.reason);
    }, { once: true });
  }

  /** Runs `work` with a signal of its own that follows the run's. */
  async with<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.#outer.aborted) controller.abort(this.#outer.reason);
    this.#running.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.#running.delete(controller);
    }
  }
}
