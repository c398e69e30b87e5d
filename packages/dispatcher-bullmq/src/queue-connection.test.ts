import { describe, expect, it } from 'vitest';
import { describeConnection, parseQueueUrl } from './queue-connection.js';
import { QueueKeys } from './queue-keys.js';

describe('queue URLs', () => {
  it('redis://HOST:PORT/DB and rediss:// (TLS) are read; the port defaults to 6379 and the database to 0', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/2')).toEqual({ host: '10.0.0.5', port: 6380, db: 2 });
    expect(parseQueueUrl('rediss://queue.example')).toEqual({ host: 'queue.example', port: 6379, db: 0, tls: {} });
    expect(parseQueueUrl('redis://gipkit@[::1]:7000')).toEqual({ host: '::1', port: 7000, db: 0, username: 'gipkit' });
    expect(describeConnection({ host: '::1', port: 7000, db: 0, username: 'gipkit', password: 'hunter2' })).toBe('redis://gipkit@[::1]:7000/0');
  });

  it('a URL that carries a password is refused, without repeating it (it would show in process lists and logs)', () => {
    let message = '';
    try {
      parseQueueUrl('redis://user:s3cr3t-pass@10.0.0.5:6379');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('the queue URL must not carry a password (it would show in process lists and logs): set GIPKIT_QUEUE_PASSWORD instead');
    expect(message).not.toContain('s3cr3t');
  });

  it('every other wrong URL names what is wrong', () => {
    expect(() => parseQueueUrl('http://10.0.0.5')).toThrow('queue URL must start with redis:// or rediss:// (found "http:")');
    expect(() => parseQueueUrl('redis://10.0.0.5/99')).toThrow('queue URL database must be a number from 0 to 15 (found "99")');
    expect(() => parseQueueUrl('redis://10.0.0.5?db=1')).toThrow('must not have a query or fragment');
    expect(() => parseQueueUrl('not a url')).toThrow('is not a URL');
  });

  it('server ids are data in queue names: encoded, never a Redis pattern or a separator', () => {
    const keys = new QueueKeys('gipkit');
    expect(keys.queueOf('proxy:a*?[x]')).toBe(`server.${Buffer.from('proxy:a*?[x]').toString('base64url')}`);
    expect(keys.queueOf('__proto__')).not.toContain(':');
    expect(() => new QueueKeys('a:b')).toThrow('queue prefix must be 1 to 64 letters');
  });
});
