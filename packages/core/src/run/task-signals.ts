import { setMaxListeners } from 'node:events';

/** How long a cancelled task may take to end before the run stops waiting for it. */
export const ABANDON_AFTER_MS = 5_000;

/**
 * The signals tasks run with: one per server, all aborted when the run's
 * signal aborts. Every session call listens to its signal, so the signal must
 * have few listeners (EventTarget scans them on every `addEventListener`): a
 * server's signal has one per running call of its at most `perServer` tasks.
 * A task that has not ended `ABANDON_AFTER_MS` after the abort (a dispatcher
 * that ignores it) is given up on, so that cancellation and cleanup never wait
 * for ever. Allocation-light on purpose: it runs for every task.
 */
export class TaskSignals {
  readonly #outer: AbortSignal;
  readonly #servers: (AbortController | undefined)[] = [];
  /** Ends a running task with its `abandoned` outcome. */
  readonly #running = new Set<() => void>();

  constructor(outer: AbortSignal) {
    this.#outer = outer;
    const onAbort = (): void => {
      for (const controller of this.#servers) controller?.abort(outer.reason);
      setTimeout(() => {
        for (const giveUp of [...this.#running]) giveUp();
      }, ABANDON_AFTER_MS).unref();
    };
    if (outer.aborted) onAbort();
    else outer.addEventListener('abort', onAbort, { once: true });
  }

  /** Runs `work` with its server's signal; `abandoned()` is its outcome when it is given up on. */
  with<T>(server: number, work: (signal: AbortSignal) => Promise<T>, abandoned: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const giveUp = (): void => {
        this.#running.delete(giveUp);
        resolve(abandoned());
      };
      this.#running.add(giveUp);
      work(this.#signalOf(server)).then(
        (value) => {
          this.#running.delete(giveUp);
          resolve(value);
        },
        (error: unknown) => {
          this.#running.delete(giveUp);
          reject(error);
        },
      );
    });
  }

  #signalOf(server: number): AbortSignal {
    let controller = this.#servers[server];
    if (controller === undefined) {
      controller = new AbortController();
      setMaxListeners(0, controller.signal);
      if (this.#outer.aborted) controller.abort(this.#outer.reason);
      this.#servers[server] = controller;
    }
    return controller.signal;
  }
}
