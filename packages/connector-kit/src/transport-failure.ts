import { ConnectorError, ErrorCode, GipkitError, PluginError } from '@gipkit/plugin-api';

/**
 * What a transport rejects with when the guest or a protocol says no: one of
 * the transport's failure reasons, and a message that MUST NOT hold a secret.
 * Each transport names its own subclass (`GuestOperationsError`, …); any
 * other error from a transport counts as GIPKIT_CONNECTOR_FAILED.
 */
export class TransportError<Reason extends string = string> extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.reason = reason;
  }
}

/**
 * The reason of an error whose own `reason` property is one of `reasons` (the
 * values of a transport's `as const` reasons object), else undefined. Works on
 * any error class, so a transport built against another copy of the kit is
 * understood too.
 */
export function reasonIn<Reason extends string>(reasons: Readonly<Record<string, Reason>>, error: unknown): Reason | undefined {
  if (typeof error !== 'object' || error === null || !Object.hasOwn(error, 'reason')) return undefined;
  const reason: unknown = (error as { readonly reason: unknown }).reason;
  return typeof reason === 'string' && Object.values<string>(reasons).includes(reason) ? (reason as Reason) : undefined;
}

/** What one failure reason means to the orchestrator: the connector error code and a sentence in the glossary's words. */
export interface FailureMeaning {
  readonly code: ErrorCode;
  readonly text: string;
}

export interface TransportFailureSpec<Reason extends string> {
  /** How the transport is named in messages: `the Windows network transport`. */
  readonly transport: string;
  /** Every reason the transport may reject with, each with its meaning. */
  readonly means: Readonly<Record<Reason, FailureMeaning>>;
  /** The reason that means "the connection went away": while connecting it counts as refused, not dropped. */
  readonly dropped: Reason;
}

/** The failure reasons of one transport, and how they become `ConnectorError`s. */
export interface TransportFailures<Reason extends string> {
  /** The reason of an error whose `reason` is one of this transport's (own property, any error class), else undefined. */
  reasonOf(error: unknown): Reason | undefined;
  /**
   * The `ConnectorError` for what a transport rejected with. `what` names the
   * step (`connect to vm-1 from proxy-1 over LAN`); the transport's own message
   * stays in `cause`, never in ours. A `GipkitError` passes through unchanged.
   */
  toConnectorError(error: unknown, what: string, connecting: boolean): GipkitError;
}

/** Defines a transport's failures once, so every connector over it maps them the same way. */
export function transportFailures<Reason extends string>(spec: TransportFailureSpec<Reason>): TransportFailures<Reason> {
  const reasons: ReadonlyMap<string, FailureMeaning> = new Map(Object.entries<FailureMeaning>(spec.means));
  const names = Object.fromEntries([...reasons.keys()].map((reason) => [reason, reason])) as Readonly<Record<string, Reason>>;
  const reasonOf = (error: unknown): Reason | undefined => reasonIn(names, error);
  return {
    reasonOf,
    toConnectorError(error, what, connecting) {
      if (error instanceof GipkitError) return error;
      const reason = reasonOf(error);
      if (reason === undefined) return new ConnectorError(ErrorCode.ConnectorFailed, `${what}: ${spec.transport} failed`, { cause: error });
      const meaning = reasons.get(reason) as FailureMeaning;
      const code = connecting && reason === spec.dropped ? ErrorCode.ConnectionRefused : meaning.code;
      return new ConnectorError(code, `${what}: ${meaning.text}`, { cause: error });
    },
  };
}

/**
 * A positive option of a plugin (`pollIntervalMs`, `maxOutputBytes`), or its
 * default when not given; anything else is a PluginError naming the plugin and
 * the option, raised when the plugin is built.
 */
export function positiveOption(plugin: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const unit = name.endsWith('Ms') ? ' of milliseconds' : name.endsWith('Bytes') ? ' of bytes' : '';
    throw new PluginError(ErrorCode.PluginInvalid, plugin, `${name} must be a positive number${unit} (found ${String(value)})`);
  }
  return value;
}
