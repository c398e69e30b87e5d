/** A stream the CLI writes to: process.stdout or process.stderr. */
export interface OutputStream {
  write(text: string): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface WatchedOutput {
  /** Writes to stdout while it is open; drops the text once it went away. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborts once, when the first of the two goes away. */
  readonly closed: AbortSignal;
}

/**
 * Watches stdout and stderr for a reader that went away (EPIPE, or any other
 * write error): that stream is never written again (no error escapes as an
 * uncaught exception), and `closed` aborts once, however many streams close,
 * so that `gipkit run` cancels once and still cleans up.
 */
export function watchOutput(stdout: OutputStream, stderr: OutputStream): WatchedOutput {
  const closed = new AbortController();
  const writer = (stream: OutputStream, name: string): ((text: string) => void) => {
    let open = true;
    // Every later error of a stream that went away (a write already queued) is expected: ignore it too.
    stream.on('error', (error: Error) => {
      if (!open) return;
      open = false;
      if (!closed.signal.aborted) closed.abort(new Error(`${name} went away: ${error.message}`));
    });
    return (text) => {
      if (!open) return;
      try {
        stream.write(text);
      } catch {
        // A write that throws (a stream already destroyed) is the same as one that fails later.
        open = false;
        if (!closed.signal.aborted) closed.abort(new Error(`${name} went away`));
      }
    };
  };
  return { stdout: writer(stdout, 'stdout'), stderr: writer(stderr, 'stderr'), closed: closed.signal };
}
