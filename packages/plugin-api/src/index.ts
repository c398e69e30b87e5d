export type {
  Platform, OsFamily, ConnectionMethod, ConnectionKind, License, Network, Host, ServerOs, Server,
  Guest, Vm, Inventory, Credentials, GuestProcessing, ProxySelection, Job,
} from './model.js';
export type {
  DecisionStatus, Tier, RuleFinding, Decision, UnavailableReason, PlanSummary, Plan,
  CandidateVerdict, CandidateExplanation, Explanation,
} from './plan.js';
export type {
  Condition, AllCondition, AnyCondition, NotCondition, FactReference, FactCondition, TopLevelCondition,
  RuleEvent, RuleDocument, RulePack, RuleChanges, OperatorFunction, OperatorDefinition, FactScope,
  JobFactContext, ServerFactContext, VmFactContext, PairFactContext, FactDefinition,
} from './rules.js';
export type {
  EventBase, PlanStartedEvent, ProxySelectedEvent, ProxyUnavailableEvent, PlanCompletedEvent,
  GipkitEvent, GipkitEventType, EventOfType,
} from './events.js';
export { EVENT_TYPES } from './events.js';
export type { Diagnostic, GipkitErrorOptions } from './errors.js';
export { ErrorCode, GipkitError, InputError, RuleError, PluginError, ConnectorError, formatDiagnostic } from './errors.js';
export type { PluginRegistry, Plugin, PlatformDefinition } from './plugin.js';
export { API_VERSION } from './plugin.js';
export type { Token, Clock } from './tokens.js';
export { createToken, RULE_PACK, FACT, OPERATOR, CLOCK } from './tokens.js';
export type {
  CallOptions, CommandResult, SecretReference, GuestSession, ConnectRequest, GuestConnector, BundleFile, ComponentBundle,
  DeploymentMode, DeploymentResult, GuestDeployer, GuestWork, Dispatcher,
} from './deployment.js';
