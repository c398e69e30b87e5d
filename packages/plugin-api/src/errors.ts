import { escapeUnprintable } from './display-text.js';

/** Stable error codes: the contract. Messages may change; codes do not. */
export const ErrorCode = {
  InputUnreadable: 'GIPKIT_INPUT_UNREADABLE',
  InputInvalid: 'GIPKIT_INPUT_INVALID',
  RulesInvalid: 'GIPKIT_RULES_INVALID',
  PluginInvalid: 'GIPKIT_PLUGIN_INVALID',
  PluginDuplicate: 'GIPKIT_PLUGIN_DUPLICATE',
  PluginApiVersion: 'GIPKIT_PLUGIN_API_VERSION',
  PluginDependencyMissing: 'GIPKIT_PLUGIN_DEPENDENCY_MISSING',
  PluginSetupFailed: 'GIPKIT_PLUGIN_SETUP_FAILED',
  RegistryFrozen: 'GIPKIT_PLUGIN_REGISTRY_FROZEN',
  ServiceMissing: 'GIPKIT_PLUGIN_SERVICE_MISSING',
  VmUnknown: 'GIPKIT_EXPLAIN_VM_UNKNOWN',
  ServerUnknown: 'GIPKIT_EXPLAIN_SERVER_UNKNOWN',
  EngineDisposed: 'GIPKIT_ENGINE_DISPOSED',
  ConnectionRefused: 'GIPKIT_CONNECTOR_REFUSED',
  ConnectionTimedOut: 'GIPKIT_CONNECTOR_TIMEOUT',
  ConnectionAborted: 'GIPKIT_CONNECTOR_ABORTED',
  ConnectionDropped: 'GIPKIT_CONNECTOR_DROPPED',
  ConnectorFailed: 'GIPKIT_CONNECTOR_FAILED',
  ConnectionAuthFailed: 'GIPKIT_CONNECTOR_AUTH',
  HostKeyRejected: 'GIPKIT_CONNECTOR_HOST_KEY',
  SecretUnavailable: 'GIPKIT_CONNECTOR_SECRET',
  DeployFailed: 'GIPKIT_DEPLOY_FAILED',
  HealthCheckFailed: 'GIPKIT_DEPLOY_HEALTH',
  UnsafeFolder: 'GIPKIT_DEPLOY_UNSAFE_FOLDER',
  BundleInvalid: 'GIPKIT_BUNDLE_INVALID',
  BundleChanged: 'GIPKIT_BUNDLE_CHANGED',
  RunCancelled: 'GIPKIT_RUN_CANCELLED',
  RunMisconfigured: 'GIPKIT_RUN_MISCONFIGURED',
  RunNoConnector: 'GIPKIT_RUN_NO_CONNECTOR',
  NotAssigned: 'GIPKIT_RUN_NOT_ASSIGNED',
  PlanInvalid: 'GIPKIT_PLAN_INVALID',
  PlanStale: 'GIPKIT_PLAN_STALE',
  AgentUnavailable: 'GIPKIT_AGENT_UNAVAILABLE',
  AgentRejected: 'GIPKIT_AGENT_REJECTED',
  QueueUnavailable: 'GIPKIT_QUEUE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem in an input or rules file: where it is, what is wrong, and the value found. */
export interface Diagnostic {
  readonly file: string;
  /** Path inside the document: `vms[3].host`. Empty for the whole document. */
  readonly path: string;
  /** 1-based, when the position is known. */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
  /** The offending value, when there is one. Never a secret. */
  readonly value?: unknown;
}

/**
 * One line per problem: `file:line:column: path: message (found value)`. Every
 * unprintable character is escaped (`\u{1b}`), so no value, path or message can
 * clear a terminal or fake another line.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const position = diagnostic.line === undefined ? '' : `:${diagnostic.line}:${diagnostic.column ?? 1}`;
  const where = diagnostic.path === '' ? '' : ` ${diagnostic.path}:`;
  const value = diagnostic.value === undefined ? '' : ` (found ${describeValue(diagnostic.value)})`;
  return escapeUnprintable(`${diagnostic.file}${position}:${where} ${diagnostic.message}${value}`);
}

/** Stands in for a number JSON cannot write, until the text is written. */
const NON_FINITE = '\u0000gipkit:';
const nonFinite = (_key: string, item: unknown): unknown => (typeof item === 'number' && !Number.isFinite(item) ? `${NON_FINITE}${item}` : item);

/**
 * A value as JSON, where NaN and infinities are written as such (JSON would
 * write null); one that JSON cannot write (too deep, circular, a bigint) as its type.
 */
function describeValue(value: unknown): string {
  try {
    const written = JSON.stringify(value, nonFinite) ?? String(value);
    return written.replace(/"\\u0000gipkit:(NaN|-?Infinity)"/g, '$1');
  } catch {
    return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : typeof value;
  }
}

export interface GipkitErrorOptions {
  readonly cause?: unknown;
}

/** Base of every error gipkit throws; `code` is stable. */
export class GipkitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options: GipkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

function listDiagnostics(summary: string, diagnostics: readonly Diagnostic[]): string {
  return [summary, ...diagnostics.map((d) => `  ${formatDiagnostic(d)}`)].join('\n');
}

/** Bad input files: the caller must fix the inventory or job. Lists every problem. */
export class InputError extends GipkitError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(code: ErrorCode, summary: string, diagnostics: readonly Diagnostic[], options: GipkitErrorOptions = {}) {
    super(code, listDiagnostics(summary, diagnostics), options);
    this.diagnostics = diagnostics;
  }
}

/** Bad rule documents or rule changes: the administrator must fix the rules. */
export class RuleError extends GipkitError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(summary: string, diagnostics: readonly Diagnostic[], options: GipkitErrorOptions = {}) {
    super(ErrorCode.RulesInvalid, listDiagnostics(summary, diagnostics), options);
    this.diagnostics = diagnostics;
  }
}

/** A plugin is misused or misbehaves: its author must act. */
export class PluginError extends GipkitError {
  readonly plugin: string;
  constructor(code: ErrorCode, plugin: string, message: string, options: GipkitErrorOptions = {}) {
    super(code, `plugin ${plugin}: ${message}`, options);
    this.plugin = plugin;
  }
}

/** A connector or session call failed: the orchestrator reports it and fails over; it never escapes a run. */
export class ConnectorError extends GipkitError {}
