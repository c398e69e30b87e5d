/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves once stdout took what it was given (its reader may be slower than we write); at once if absent. */
  readonly stdoutDrained?: () => Promise<void>;
  /** stdout is a terminal: live progress instead of plain lines. */
  readonly isTty?: boolean;
  /** stderr is a terminal: under `run --events ndjson` the live progress goes there. */
  readonly stderrIsTty?: boolean;
  /** A terminal's width and height, read at each drawing of `run`'s live block. */
  readonly terminalSize?: (stream: 'stdout' | 'stderr') => { readonly columns?: number | undefined; readonly rows?: number | undefined };
  /** The environment: `NO_COLOR` turns colours off. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborts when stdout or stderr goes away (its reader closed the pipe): `run` then cancels as on Ctrl-C, once. */
  readonly outputClosed?: AbortSignal;
}

export const ExitCode = {
  Ok: 0,
  Failed: 1,
  BadInput: 2,
  Unassigned: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
