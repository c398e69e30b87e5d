/**
 * One AbortSignal per running task, all aborted when the run's signal aborts.
 * Every session call listens to its task's signal; with hundreds of tasks
 * running, listening to one shared signal instead would make each
 * `addEventListener` scan hundreds of listeners (EventTarget checks for
 * duplicates), and warn past ten.
 */
/** How long a cancelled task may take to end before the run stops waiting for it. */
export const ABANDON_AFTER_MS = 5_000;

export class TaskSignals {
  readonly #running = new Set<AbortController>();
  readonly #outer: AbortSignal;

  constructor(outer: AbortSignal) {
    this.#outer = outer;
    outer.addEventListener('abort', () => {
      for (const controller of this.#running) controller.abort(outer.reason);
    }, { once: true });
  }

  /**
   * Runs `work` with a signal of its own that follows the run's. A task that
   * has not ended `graceMs` after its signal aborted (a dispatcher that
   * ignores it) is given up on: `abandoned()` is its outcome, so that
   * cancellation and cleanup never wait for ever.
   */
  async with<T>(work: (signal: AbortSignal) => Promise<T>, abandoned: () => T, graceMs = ABANDON_AFTER_MS): Promise<T> {
    const controller = new AbortController();
    if (this.#outer.aborted) controller.abort(this.#outer.reason);
    this.#running.add(controller);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => void (timer = setTimeout(() => giveUp?.(abandoned()), graceMs));
    let giveUp: ((value: T) => void) | undefined;
    const given = new Promise<T>((resolve) => (giveUp = resolve));
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([work(controller.signal), given]);
    } finally {
      clearTimeout(timer);
      controller.signal.removeEventListener('abort', onAbort);
      this.#running.delete(controller);
    }
  }
}
