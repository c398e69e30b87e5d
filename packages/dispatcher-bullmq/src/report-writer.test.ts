import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../../test/agents/redis-server.js';
import { ReportWriter } from './report-writer.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

describe('8. an agent\'s report writes, batched per turn (real Redis)', () => {
  it('entries written over several turns reach the stream in the order written, each write settling with its own reply', async () => {
    const client = redis.client();
    const writer = new ReportWriter(client, 60_000);
    const writes: Promise<void>[] = [];
    for (let turn = 0; turn < 5; turn++) {
      for (let index = 0; index < 7; index++) writes.push(writer.write('gipkit:run:order:reports', ['t', `task-${index % 3}`, 'n', String(turn * 7 + index)]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    const entries = await client.xrange('gipkit:run:order:reports', '-', '+');
    expect(entries.map(([, fields]) => Number(fields[3]))).toEqual(Array.from({ length: 35 }, (_, index) => index));
    // One PEXPIRE per stream touched: the stream expires even if nobody reads it.
    expect(await client.pttl('gipkit:run:order:reports')).toBeGreaterThan(50_000);
    client.disconnect();
  });

  it('an entry Redis refuses fails its own write only; the others of its batch land', async () => {
    const client = redis.client();
    await client.set('gipkit:run:not-a-stream:reports', 'a string, not a stream');
    const writer = new ReportWriter(client, 60_000);
    const results = await Promise.allSettled([
      writer.write('gipkit:run:fine:reports', ['n', '1']),
      writer.write('gipkit:run:not-a-stream:reports', ['n', '2']),
      writer.write('gipkit:run:fine:reports', ['n', '3']),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect((await client.xrange('gipkit:run:fine:reports', '-', '+')).map(([, fields]) => fields[1])).toEqual(['1', '3']);
    client.disconnect();
  });
});
