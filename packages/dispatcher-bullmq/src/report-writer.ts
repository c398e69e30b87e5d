import type { Redis } from 'ioredis';

interface Waiting {
  readonly stream: string;
  readonly fields: readonly string[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Writes report stream entries for every task an agent runs, batched: the
 * entries written during one turn of the event loop go to Redis as one
 * pipeline, in the order they were written, followed by one PEXPIRE per
 * stream touched. A task's entries stay in order (one connection, one
 * pipeline after the other); each write settles with its own entry's reply.
 */
export class ReportWriter {
  readonly #client: Redis;
  readonly #ttlMs: number;
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(client: Redis, ttlMs: number) {
    this.#client = client;
    this.#ttlMs = ttlMs;
  }

  /** Appends one entry (`field value …`) to a stream; resolves once Redis holds it. */
  write(stream: string, fields: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ stream, fields, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length === 0) return;
    const pipeline = this.#client.pipeline();
    const streams = new Set<string>();
    for (const { stream, fields } of batch) {
      pipeline.xadd(stream, '*', ...fields);
      streams.add(stream);
    }
    // The stream expires even when its coordinator is gone before it could set that (a write queued while Redis was away).
    for (const stream of streams) pipeline.pexpire(stream, this.#ttlMs);
    pipeline.exec().then((replies) => {
      for (let index = 0; index < batch.length; index++) {
        const error = replies?.[index]?.[0];
        const waiting = batch[index] as Waiting;
        if (error) waiting.reject(error);
        else waiting.resolve();
      }
    }, (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiting of batch) waiting.reject(failure);
    });
  }
}
