/** Where a task joins its server's queue: failovers go to the `front`, before the server's waiting work. */
export type QueuePlace = 'front' | 'back';

/** A unit of work waiting for a slot: `start` runs it, `cancel` ends it unstarted. */
export interface QueuedTask {
  start(): Promise<void>;
  cancel(): void;
}

/**
 * Runs tasks under two limits: at most `perServer` at once on each server, and
 * at most `total` at once overall. Servers with waiting work take turns, so
 * one busy proxy does not starve the others. `active` is each server's live
 * load, which rises as a task starts and falls as it ends.
 */
export class TaskSlots {
  readonly active: Int32Array;
  readonly #perServer: number;
  readonly #total: number;
  readonly #queues: QueuedTask[][];
  readonly #heads: Int32Array;
  readonly #ready: number[] = [];
  #readyHead = 0;
  readonly #inReady: Uint8Array;
  #running = 0;
  #outstanding = 0;
  #closed = false;
  #idle: (() => void) | undefined;

  /** `active` may be shared with another TaskSlots (cleanup after deployment), so that one load counts both. */
  constructor(servers: number, perServer: number, total: number, active: Int32Array = new Int32Array(servers)) {
    this.active = active;
    this.#perServer = perServer;
    this.#total = total;
    this.#queues = Array.from({ length: servers }, () => []);
    this.#heads = new Int32Array(servers);
    this.#inReady = new Uint8Array(servers);
  }

  /** Queues a task on a server, at the back of its queue or (failovers) at the front. */
  submit(server: number, task: QueuedTask, place: QueuePlace = 'back'): void {
    if (this.#closed) {
      task.cancel();
      return;
    }
    const queue = this.#queues[server] as QueuedTask[];
    const head = this.#heads[server] ?? 0;
    if (place === 'front' && head > 0) {
      queue[head - 1] = task;
      this.#heads[server] = head - 1;
    } else if (place === 'front') queue.unshift(task);
    else queue.push(task);
    this.#outstanding++;
    this.#markReady(server);
    this.#pump();
  }

  /** Stops new work: every waiting task is cancelled; running ones finish. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queues.forEach((queue, server) => {
      const head = this.#heads[server] ?? 0;
      const waiting = queue.slice(head);
      queue.length = 0;
      this.#heads[server] = 0;
      for (const task of waiting) {
        this.#outstanding--;
        task.cancel();
      }
    });
    this.#settleIfIdle();
  }

  /** Resolves when no task runs or waits. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  #markReady(server: number): void {
    if (this.#inReady[server] === 1 || (this.active[server] ?? 0) >= this.#perServer) return;
    if (((this.#queues[server]?.length ?? 0) - (this.#heads[server] ?? 0)) <= 0) return;
    this.#inReady[server] = 1;
    this.#ready.push(server);
  }

  #pump(): void {
    while (this.#running < this.#total && this.#readyHead < this.#ready.length) {
      const server = this.#ready[this.#readyHead++] as number;
      this.#inReady[server] = 0;
      const queue = this.#queues[server] as QueuedTask[];
      const head = this.#heads[server] ?? 0;
      if (head >= queue.length || (this.active[server] ?? 0) >= this.#perServer) continue;
      const task = queue[head] as QueuedTask;
      queue[head] = undefined as unknown as QueuedTask;
      this.#heads[server] = head + 1;
      if (head + 1 === queue.length) {
        queue.length = 0;
        this.#heads[server] = 0;
      }
      this.active[server] = (this.active[server] ?? 0) + 1;
      this.#running++;
      this.#markReady(server);
      // `start` handles its own failures (they become events); a rejection here would be a bug, kept from stopping the run.
      const finish = (): void => this.#finish(server);
      task.start().then(finish, finish);
    }
    if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready.splice(0, this.#readyHead);
      this.#readyHead = 0;
    }
  }

  #finish(server: number): void {
    this.active[server] = (this.active[server] ?? 0) - 1;
    this.#running--;
    this.#outstanding--;
    this.#markReady(server);
    this.#pump();
    this.#settleIfIdle();
  }

  #settleIfIdle(): void {
    if (this.#outstanding === 0 && this.#idle !== undefined) {
      const resolve = this.#idle;
      this.#idle = undefined;
      resolve();
    }
  }
}
