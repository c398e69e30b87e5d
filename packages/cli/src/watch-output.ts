/** A stream the CLI writes to: process.stdout or process.stderr. */
export interface OutputStream {
  /** false: the stream holds more than it wants (its reader is slower than we write); 'drain' follows. */
  write(text: string): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface WatchedOutput {
  /** Writes to stdout while it is open; drops the text once it went away. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborts once, when the first of the two goes away. */
  readonly closed: AbortSignal;
  /** Writes what stdout still holds now (before the process exits). */
  readonly flush: () => void;
  /**
   * Writes what stdout holds, then resolves once the stream has taken what it was given (at once, unless a
   * write said its reader lags): a large output waits here between pieces instead of queueing in memory.
   * Resolves too when stdout went away.
   */
  readonly drained: () => Promise<void>;
}

/** stdout text held before one write: a run's ndjson events of one turn go out together, not one write each. */
const HELD_CHARACTERS = 64 * 1024;

/**
 * Watches stdout and stderr for a reader that went away (EPIPE, or any other
 * write error): that stream is never written again (no error escapes as an
 * uncaught exception), and `closed` aborts once, however many streams close,
 * so that `gipkit run` cancels once and still cleans up.
 *
 * stdout text written in one turn of the event loop goes out in one write (a
 * run writes an ndjson line per event: thousands a second), at the end of the
 * turn, when 64 KiB are held, before anything is written to stderr (the two
 * stay in order on a terminal) and on `flush`.
 */
export function watchOutput(stdout: OutputStream, stderr: OutputStream): WatchedOutput {
  const closed = new AbortController();
  // Set while stdout's last write asked us to wait for 'drain'; resolved by it, or by stdout going away.
  let backlog: { readonly done: Promise<void>; readonly end: () => void } | undefined;
  const endBacklog = (): void => {
    const ending = backlog;
    backlog = undefined;
    ending?.end();
  };
  const writer = (stream: OutputStream, name: string): ((text: string) => void) => {
    let open = true;
    // Every later error of a stream that went away (a write already queued) is expected: ignore it too.
    stream.on('error', (error: Error) => {
      if (!open) return;
      open = false;
      if (stream === stdout) endBacklog();
      if (!closed.signal.aborted) closed.abort(new Error(`${name} went away: ${error.message}`));
    });
    return (text) => {
      if (!open) return;
      try {
        const taken = stream.write(text);
        if (taken === false && stream === stdout && backlog === undefined && stream.once !== undefined) {
          let end = (): void => undefined;
          const done = new Promise<void>((resolve) => (end = resolve));
          backlog = { done, end };
          stream.once('drain', endBacklog);
        }
      } catch {
        // A write that throws (a stream already destroyed) is the same as one that fails later.
        open = false;
        if (stream === stdout) endBacklog();
        if (!closed.signal.aborted) closed.abort(new Error(`${name} went away`));
      }
    };
  };
  // A stream that went away without saying so to us (stderr's error, a destroyed stdout) never drains either.
  closed.signal.addEventListener('abort', endBacklog, { once: true });
  const writeStdout = writer(stdout, 'stdout');
  const writeStderr = writer(stderr, 'stderr');
  let held: string[] = [];
  let heldCharacters = 0;
  let scheduled: NodeJS.Immediate | undefined;
  const flush = (): void => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    if (held.length === 0) return;
    const text = held.join('');
    held = [];
    heldCharacters = 0;
    writeStdout(text);
  };
  return {
    stdout: (text) => {
      held.push(text);
      heldCharacters += text.length;
      if (heldCharacters >= HELD_CHARACTERS) flush();
      else scheduled ??= setImmediate(flush);
    },
    stderr: (text) => {
      flush();
      writeStderr(text);
    },
    closed: closed.signal,
    flush,
    drained: () => {
      flush();
      return backlog?.done ?? Promise.resolve();
    },
  };
}
