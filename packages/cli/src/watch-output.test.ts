import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchOutput, type OutputStream } from './watch-output.js';

class FakeStream extends EventEmitter implements OutputStream {
  readonly written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
}

const epipe = (): Error => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

describe('hardening 5: watchOutput', () => {
  it('a stream that goes away is never written again, later errors on it are ignored, and closed aborts once for both streams', () => {
    const stdout = new FakeStream();
    const stderr = new FakeStream();
    const output = watchOutput(stdout, stderr);
    let aborts = 0;
    output.closed.addEventListener('abort', () => aborts++);
    output.stderr('progress\n');
    stderr.emit('error', epipe());
    output.stderr('summary\n');
    // A write already queued fails later; Node also reports a destroyed stream's writes.
    expect(() => stderr.emit('error', Object.assign(new Error('write after destroy'), { code: 'ERR_STREAM_DESTROYED' }))).not.toThrow();
    output.stdout('{"type":"job.completed"}\n');
    stdout.emit('error', epipe());
    output.stdout('late\n');
    expect(stderr.written).toEqual(['progress\n']);
    expect(stdout.written).toEqual(['{"type":"job.completed"}\n']);
    expect(output.closed.aborted).toBe(true);
    expect(aborts).toBe(1);
  });
});
