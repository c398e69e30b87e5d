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
    output.flush();
    stdout.emit('error', epipe());
    output.stdout('late\n');
    expect(stderr.written).toEqual(['progress\n']);
    expect(stdout.written).toEqual(['{"type":"job.completed"}\n']);
    expect(output.closed.aborted).toBe(true);
    expect(aborts).toBe(1);
  });

  it('stdout text of one turn goes out in one write at its end, before any stderr text, and at 64 KiB', async () => {
    const stdout = new FakeStream();
    const stderr = new FakeStream();
    const output = watchOutput(stdout, stderr);
    output.stdout('a\n');
    output.stdout('b\n');
    expect(stdout.written).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdout.written).toEqual(['a\nb\n']);
    output.stdout('c\n');
    output.stderr('warning\n');
    expect(stdout.written).toEqual(['a\nb\n', 'c\n']);
    expect(stderr.written).toEqual(['warning\n']);
    const line = `${'x'.repeat(1023)}\n`;
    for (let index = 0; index < 64; index++) output.stdout(line);
    expect(stdout.written).toHaveLength(3);
    expect(stdout.written[2]).toBe(line.repeat(64));
    output.stdout('last\n');
    output.flush();
    expect(stdout.written.at(-1)).toBe('last\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdout.written).toHaveLength(4);
  });
});

/** A stream whose reader lags: write says false until the test drains it. */
class LaggingStream extends EventEmitter implements OutputStream {
  readonly written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return false;
  }
}

describe('watchOutput: a reader slower than the writer', () => {
  it('drained waits for the stream to take what it was given, and resolves at once when nothing lags', async () => {
    const quick = watchOutput(new FakeStream(), new FakeStream());
    quick.stdout('a\n');
    await quick.drained();

    const stdout = new LaggingStream();
    const output = watchOutput(stdout, new FakeStream());
    output.stdout('piece 1\n');
    let drained = false;
    const waiting = output.drained().then(() => (drained = true));
    expect(stdout.written).toEqual(['piece 1\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    stdout.emit('drain');
    await waiting;
    expect(drained).toBe(true);
  });

  it('a stream that goes away while it lags ends the wait: nothing hangs', async () => {
    const stdout = new LaggingStream();
    const output = watchOutput(stdout, new FakeStream());
    output.stdout('piece\n');
    const waiting = output.drained();
    stdout.emit('error', epipe());
    await waiting;
    expect(output.closed.aborted).toBe(true);
    output.stdout('late\n');
    await output.drained();
    expect(stdout.written).toEqual(['piece\n']);
  });
});
