import type { ConnectionKind, ConnectionMethod, Host, Inventory, Job, Network, Server, Vm, Credentials } from './model.js';

/**
 * Rule documents are json-rules-engine rules (`conditions` and `event` have
 * its exact shape) with a `description` and a `source`. gipkit compiles them
 * into synchronous predicates; json-rules-engine stays the reference.
 */
export type Condition = AllCondition | AnyCondition | NotCondition | FactCondition;
export interface AllCondition { readonly all: readonly Condition[] }
export interface AnyCondition { readonly any: readonly Condition[] }
export interface NotCondition { readonly not: Condition }
export interface FactReference { readonly fact: string; readonly path?: string }
export interface FactCondition {
  readonly fact: string;
  readonly operator: string;
  /** A literal, or `{ fact, path? }` to compare with another fact. */
  readonly value: unknown;
  /** A JSONPath into the fact's value: `$.a.b` or `$.list[0]`. */
  readonly path?: string;
}
export type TopLevelCondition = AllCondition | AnyCondition | NotCondition;

/**
 * What a rule does when its conditions hold.
 * - `job-outcome`: decides for every VM of the job without looking at candidates.
 * - `exclude`: the candidate cannot hold the role; `message` is one sentence with
 *   `{fact.name}` placeholders filled with the actual values.
 * - `method`: the candidate can reach the guest with this connection method;
 *   `message` says what the method needs, shown when no method applies.
 * - `tier`: the candidate's priority; the lowest tier of all firing tier rules counts.
 */
export type RuleEvent =
  | { readonly type: 'job-outcome'; readonly params: { readonly status: 'not-required' | 'backup-server'; readonly message: string } }
  | { readonly type: 'exclude'; readonly params: { readonly message: string } }
  | { readonly type: 'method'; readonly params: { readonly method: ConnectionMethod; readonly kind: ConnectionKind; readonly message?: string } }
  | { readonly type: 'tier'; readonly params: { readonly tier: number } };

export interface RuleDocument {
  /** Unique, kebab-case; organisations replace or disable rules by name. */
  readonly name: string;
  /** One or two sentences: what the rule requires and why. */
  readonly description: string;
  /** Where the requirement is documented (a URL or a document name). */
  readonly source?: string;
  /** json-rules-engine priority; among method rules of one kind, higher is tried first. */
  readonly priority?: number;
  readonly conditions: TopLevelCondition;
  readonly event: RuleEvent;
}

export interface RulePack {
  /** Who contributes it: `gipkit:default`, a plugin's npm name, a rules file. */
  readonly name: string;
  readonly rules: readonly RuleDocument[];
}

/** An organisation's changes to the rules, applied in order after every pack. */
export interface RuleChanges {
  /** Where the changes come from, for error messages (a file path). */
  readonly origin: string;
  readonly add?: readonly RuleDocument[];
  readonly replace?: readonly RuleDocument[];
  readonly disable?: readonly string[];
}

/**
 * A json-rules-engine operator: MUST be pure and synchronous, MUST NOT throw
 * (return false for values it cannot compare).
 */
export type OperatorFunction = (factValue: unknown, compareTo: unknown) => boolean;

export interface OperatorDefinition {
  readonly name: string;
  readonly description: string;
  readonly evaluate: OperatorFunction;
}

/**
 * Facts have a scope. gipkit evaluates a rule once per job, per server, per VM
 * or per (VM, server) pair, from the widest scope of the facts it reads, and
 * shares the outcome between VMs (and servers) whose facts are identical.
 */
export type FactScope = 'job' | 'server' | 'vm' | 'pair';

export interface JobFactContext {
  readonly inventory: Inventory;
  readonly job: Job;
}
export interface ServerFactContext extends JobFactContext {
  readonly server: Server;
  /** Networks the server is in: those its addresses fall in, plus those it names. Frozen and shared: copy it to sort it. */
  readonly networks: readonly Network[];
  readonly isBackupServer: boolean;
}
export interface VmFactContext extends JobFactContext {
  readonly vm: Vm;
  readonly host: Host;
  /** Networks the VM is in, in inventory order. Frozen and shared by every VM in the same networks: copy it to sort it. */
  readonly networks: readonly Network[];
  readonly credentials: Credentials;
}
export interface PairFactContext {
  /** Read a server-scoped fact of the candidate. */
  readonly server: (fact: string) => unknown;
  /** Read a VM-scoped fact of the guest. */
  readonly vm: (fact: string) => unknown;
}

interface FactBase<S extends FactScope> {
  /** Dotted, prefixed by scope: `server.osFamily`, `vm.tools`, `pair.sameNetwork`. */
  readonly name: string;
  readonly scope: S;
  readonly description: string;
}

/**
 * A fact provider. `value` MUST be pure, synchronous, and return
 * JSON-serialisable values (null, not undefined, for "absent").
 */
export type FactDefinition =
  | (FactBase<'job'> & { readonly value: (context: JobFactContext) => unknown })
  | (FactBase<'server'> & { readonly value: (context: ServerFactContext) => unknown })
  | (FactBase<'vm'> & { readonly value: (context: VmFactContext) => unknown })
  | (FactBase<'pair'> & {
      /** The server and VM facts the value is derived from; MUST list every one it reads. */
      readonly reads: readonly string[];
      readonly value: (context: PairFactContext) => unknown;
    });
