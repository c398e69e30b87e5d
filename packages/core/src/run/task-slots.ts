import type { ServerLoads } from './server-loads.js';

/** Where a task joins its server's queue: failovers go to the `front`, before the server's waiting work. */
export type QueuePlace = 'front' | 'back';

/** A unit of work waiting for a slot: `start` runs it, `cancel` ends it unstarted. */
export interface QueuedTask {
  start(): Promise<void>;
  cancel(): void;
}

/** One server's waiting tasks: `tasks[head]` runs next; `ready` while it is in the turn order. */
interface Lane {
  tasks: (QueuedTask | undefined)[];
  head: number;
  ready: boolean;
}

/**
 * Runs tasks under two limits: at most `perServer` at once on each server, and
 * at most `total` at once overall. Servers with waiting work take turns, so
 * one busy proxy does not starve the others. `active` is each server's live
 * load, which rises as a task starts and falls as it ends.
 */
export class TaskSlots {
  readonly active: ServerLoads;
  readonly #perServer: number;
  readonly #total: number;
  readonly #lanes: Lane[];
  /** Servers with waiting work and a free slot, in turn order: `#ready[#readyHead]` goes next. */
  readonly #ready: number[] = [];
  #readyHead = 0;
  #running = 0;
  #outstanding = 0;
  #closed = false;
  #idle: (() => void) | undefined;

  /** `active` may be shared with another TaskSlots (cleanup after deployment), so that one load counts both. */
  constructor(perServer: number, total: number, active: ServerLoads) {
    this.active = active;
    this.#perServer = perServer;
    this.#total = total;
    this.#lanes = Array.from({ length: active.servers }, () => ({ tasks: [], head: 0, ready: false }));
  }

  /** Queues a task on a server, at the back of its queue or (failovers) at the front. */
  submit(server: number, task: QueuedTask, place: QueuePlace = 'back'): void {
    if (this.#closed) {
      task.cancel();
      return;
    }
    const lane = this.#lane(server);
    if (place === 'front' && lane.head > 0) lane.tasks[--lane.head] = task;
    else if (place === 'front') lane.tasks.unshift(task);
    else lane.tasks.push(task);
    this.#outstanding++;
    this.#markReady(server);
    this.#pump();
  }

  /** Stops new work: every waiting task is cancelled; running ones finish. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes) {
      const waiting = lane.tasks.slice(lane.head);
      lane.tasks.length = 0;
      lane.head = 0;
      for (const task of waiting) {
        this.#outstanding--;
        task?.cancel();
      }
    }
    this.#settleIfIdle();
  }

  /** Resolves when no task runs or waits. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  #lane(server: number): Lane {
    const lane = this.#lanes[server];
    if (lane === undefined) throw new RangeError(`no server at position ${server} (the inventory has ${this.#lanes.length})`);
    return lane;
  }

  #markReady(server: number): void {
    const lane = this.#lane(server);
    if (lane.ready || lane.head >= lane.tasks.length || this.active.at(server) >= this.#perServer) return;
    lane.ready = true;
    this.#ready.push(server);
  }

  #pump(): void {
    while (this.#running < this.#total && this.#readyHead < this.#ready.length) {
      const server = this.#ready[this.#readyHead++];
      if (server === undefined) break;
      const lane = this.#lane(server);
      lane.ready = false;
      const task = lane.tasks[lane.head];
      if (task === undefined || this.active.at(server) >= this.#perServer) continue;
      lane.tasks[lane.head++] = undefined;
      if (lane.head === lane.tasks.length) {
        lane.tasks.length = 0;
        lane.head = 0;
      }
      this.active.add(server, 1);
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
    this.active.add(server, -1);
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
