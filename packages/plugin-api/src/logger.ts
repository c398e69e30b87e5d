/** Levels, most verbose first; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const satisfies readonly LogLevel[];

/** Structured context of one line: JSON-serialisable values, never a secret (the engine redacts what its secret resolver read). */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Diagnostics for operators: what gipkit and its plugins did and why, by
 * level. Not a second event stream: what a product reacts to is an event.
 * A plugin gets the engine's logger by the `LOGGER` token; a component MUST
 * NOT log secrets and SHOULD put variable data in fields, not in the message.
 */
export interface Logger {
  readonly level: LogLevel;
  /** Whether a line at `level` would be written (to skip building costly fields). */
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line carries `bindings` too (a component's name, a run id). */
  child(bindings: LogFields): Logger;
}

const ignore = (): void => undefined;

/** Logs nothing: the default when no logging is configured, and for components used outside an engine. */
export const silentLogger: Logger = Object.freeze({
  level: 'silent' as const,
  isLevelEnabled: () => false,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
});
