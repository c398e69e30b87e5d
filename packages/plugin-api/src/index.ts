export type {
  Platform, OsFamily, ConnectionMethod, ConnectionKind, License, Network, Host, ServerOs, Server,
  Guest, Vm, Inventory, SecretSource, Credentials, GuestProcessingFailure, RuntimeComponents, GuestProcessing, ProxySelection, Job,
} from './model.js';
export type {
  DecisionStatus, Tier, RuleFinding, Decision, UnavailableReason, PlanSummary, Plan,
  CandidateVerdict, CandidateExplanation, Explanation, ChangedRule, RulesApplied, GroupedFinding,
  Failover, InputDigest, EffectiveRule, EffectiveRules, PlanMadeFrom,
} from './plan.js';
export type {
  Condition, AllCondition, AnyCondition, NotCondition, FactReference, FactCondition, TopLevelCondition,
  RuleEvent, RuleDocument, RulePack, RuleChanges, OperatorFunction, OperatorDefinition, FactScope,
  JobFactContext, ServerFactContext, VmFactContext, PairFactContext, FactDefinition,
} from './rules.js';
export type {
  EventBase, PlanStartedEvent, ProxySelectedEvent, ProxyUnavailableEvent, PlanCompletedEvent,
  JobStartedEvent, DeploymentStartedEvent, DeploymentStepEvent, ConnectionFailedEvent, HostKeyTrustedEvent,
  FailoverStartedEvent, FailoverSucceededEvent, FailoverFailedEvent, DeploymentSucceededEvent, DeploymentFailedEvent,
  DeploymentSkippedEvent, CleanupFailure, CleanupCompletedEvent, RunCounts, JobCompletedEvent,
  GipkitEvent, GipkitEventType, EventOfType,
} from './events.js';
export { EVENT_TYPES, TERMINAL_EVENT_TYPES } from './events.js';
export type { Diagnostic, GipkitErrorOptions } from './errors.js';
export { ErrorCode, GipkitError, InputError, RuleError, PluginError, ConnectorError, formatDiagnostic } from './errors.js';
export type { PluginRegistry, PluginRegistrations, Plugin, PlatformDefinition, Provided, ProvidedService } from './plugin.js';
export { API_VERSION, isProvider } from './plugin.js';
export type { Token, Clock, Resolver, Provider, InjectableClass, ServiceOverride, InjectedParameter } from './tokens.js';
export {
  createToken, inject, INJECT_METADATA, CLOCK, LOGGER, SECRET_RESOLVER, SSH_OPENER, WINDOWS_NETWORK_OPENER,
  CONNECTOR, DEPLOYER, RUN_ID, RUN_SIGNAL, RUN_BUNDLE, GUEST_AGENT,
} from './tokens.js';
export type { Logger, LogLevel, LogFields } from './logger.js';
export { LOG_LEVELS, silentLogger } from './logger.js';
export type { SecretResolver } from './secret-resolver.js';
export { builtInSecretResolver, secretKindOf } from './secret-resolver.js';
export type {
  CallOptions, CommandResult, UploadContents, UploadStream, SecretReference, GuestSession, ConnectorNotice, GuestTarget, ConnectRequest, SessionOpener, GuestConnector,
  BundleFile, ComponentBundle, DeploymentMode, DeploymentStep, StepTimeouts, DeploymentResult, DeployContext, GuestDeployer,
  ErrorSummary, ConnectionFailure, GuestTask, DoneBy, TaskReport, TaskOutcome, DispatchOptions, Dispatcher, GuestAgent, DispatcherDefinition,
} from './deployment.js';
export { DEPLOYMENT_STEPS } from './deployment.js';
export { escapeUnprintable, hasUnprintable } from './display-text.js';
export { packageFile } from './package-file.js';
export { settleWithin } from './settle-within.js';
export { callWithin } from './call-within.js';
export { pause } from './pause.js';
export { MAX_TIMEOUT_MS, timeoutProblem } from './timer-limits.js';
export type { ReadSecretOptions } from './read-secret-text.js';
export { readSecretText, secretSourceName, SECRET_READ_TIMEOUT_MS, MAX_SECRET_BYTES } from './read-secret-text.js';
export { contentsSize, contentsChunks, contentsBytes } from './upload-contents.js';
