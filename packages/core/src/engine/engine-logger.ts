import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCode, GipkitError, LOG_LEVELS, type LogFields, type Logger, type LogLevel } from '@gipkit/plugin-api';
import type { SecretRedaction } from './secret-redaction.js';

/** Where and how much the engine logs (`createGipkit({ log })`). */
export interface LogOptions {
  /** Default `info`. */
  readonly level?: LogLevel;
  /** NDJSON lines appended to this file; absent: standard error. */
  readonly file?: string;
}

type WritableLevel = Exclude<LogLevel, 'silent'>;

interface PinoLogger {
  readonly level: string;
  isLevelEnabled(level: string): boolean;
  child(bindings: LogFields): PinoLogger;
  trace(fields: LogFields, message: string): void;
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

interface PinoDestination {
  flushSync(): void;
  end(): void;
}

interface PinoModule {
  (options: Record<string, unknown>, destination: PinoDestination): PinoLogger;
  destination(options: { readonly dest: string | number; readonly sync: boolean; readonly append: boolean; readonly mkdir: boolean }): PinoDestination;
  readonly stdTimeFunctions: { readonly isoTime: () => string };
}

/** A logger that also writes what was buffered, for the engine to call on dispose. */
export interface FlushableLogger extends Logger {
  flush(): void;
}

/** Checks a level given by a user, naming the allowed ones. */
export function checkLogLevel(level: unknown): LogLevel {
  if (typeof level === 'string' && (LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new GipkitError(ErrorCode.RunMisconfigured, `log level must be one of ${LOG_LEVELS.join(', ')} (found ${JSON.stringify(level)})`);
}

/**
 * pino behind the `Logger` port, loaded only when logging is asked for (most
 * runs of the CLI never pay for it). Lines are NDJSON: `time` (ISO-8601),
 * `level` (a name), `msg`, the bindings and the fields.
 */
export function createPinoLogger(options: LogOptions): FlushableLogger {
  const level = checkLogLevel(options.level ?? 'info');
  const pino = createRequire(import.meta.url)('pino') as PinoModule;
  const destination = pino.destination({ dest: options.file === undefined ? 2 : openLogFile(options.file), sync: false, append: true, mkdir: false });
  const root = pino({
    level,
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  }, destination);
  return { ...adapt(root, level), flush: () => destination.flushSync() };
}

/**
 * Opens the log file now, so that a bad path fails `createGipkit` with its
 * name (not a crash later): appended to, created owner-only (0600), never a
 * FIFO or a socket that would block or vanish.
 */
function openLogFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0), 0o600);
  } catch (error) {
    throw new GipkitError(ErrorCode.RunMisconfigured, `log file ${file} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'unwritable'})`, { cause: error });
  }
  const stats = fstatSync(fd);
  if (!stats.isFile() && !stats.isCharacterDevice()) {
    closeSync(fd);
    throw new GipkitError(ErrorCode.RunMisconfigured, `log file ${file} is not a regular file`);
  }
  return fd;
}

function adapt(pinoLogger: PinoLogger, level: LogLevel): Logger {
  return {
    level,
    isLevelEnabled: (wanted) => pinoLogger.isLevelEnabled(wanted),
    trace: (message, fields = {}) => pinoLogger.trace(fields, message),
    debug: (message, fields = {}) => pinoLogger.debug(fields, message),
    info: (message, fields = {}) => pinoLogger.info(fields, message),
    warn: (message, fields = {}) => pinoLogger.warn(fields, message),
    error: (message, fields = {}) => pinoLogger.error(fields, message),
    child: (bindings) => adapt(pinoLogger.child(bindings), level),
  };
}

/** Fields nested deeper than this are written as `[nested]`: a log line is not a dump. */
const MAX_FIELD_DEPTH = 6;

/**
 * Every line of `logger`, its message, bindings and fields, with the secret
 * values the engine's resolver read removed (whatever logger an embedder
 * provides). A logger that throws never breaks the work it reports on.
 */
export function redactingLogger(logger: Logger, redaction: SecretRedaction): Logger {
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redaction.redact(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_FIELD_DEPTH) return '[nested]';
    if (value instanceof Error) return { name: value.name, message: redaction.redact(value.message), ...('code' in value ? { code: clean(value.code, depth + 1) } : {}) };
    if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
    // A plain object (loggers call its methods: pino's child reads bindings.hasOwnProperty); every key is defined as
    // an own property, so that a key `__proto__` stays data and never sets the prototype.
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(copy, redaction.redact(key), { value: clean(item, depth + 1), enumerable: true, writable: true, configurable: true });
    return copy;
  };
  const write = (level: WritableLevel) => (message: string, fields?: LogFields): void => {
    if (!logger.isLevelEnabled(level)) return;
    try {
      if (!redaction.active) logger[level](message, fields);
      else logger[level](redaction.redact(message), fields === undefined ? undefined : (clean(fields, 0) as LogFields));
    } catch {
      // Diagnostics must not change the outcome of a run.
    }
  };
  return {
    get level() {
      return logger.level;
    },
    isLevelEnabled: (level) => logger.isLevelEnabled(level),
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // Bindings are redacted too: a child bound to a value that turns out to be a secret.
    child: (bindings) => redactingLogger(logger.child(redaction.active ? (clean(bindings, 0) as LogFields) : bindings), redaction),
  };
}
