import type { ConnectionMethod } from './model.js';

/**
 * What selection decided for one VM.
 * - `assigned`: a candidate was chosen by the rules.
 * - `fallback`: preferred mode, no listed server could serve, the backup server took the role.
 * - `backup-server`: a job-level rule gives the role to the backup server (socket Standard license).
 * - `not-required`: the job does no guest processing; no proxy is needed.
 * - `unassigned`: no server can serve the VM.
 */
export type DecisionStatus = 'assigned' | 'fallback' | 'backup-server' | 'not-required' | 'unassigned';

/** Priority class of a candidate; lower wins. The default rules use 1 to 4. */
export type Tier = number;

/** A rule that kept a candidate out, with one sentence naming the actual values. */
export interface RuleFinding {
  readonly rule: string;
  readonly message: string;
}

export interface Decision {
  readonly vm: string;
  readonly status: DecisionStatus;
  readonly proxy: string | null;
  readonly tier: Tier | null;
  /** The first of `methods`: the one tried first. */
  readonly connection: ConnectionMethod | null;
  /** Connection methods the proxy may use for the VM, in the order they are tried; empty without a proxy. */
  readonly methods: readonly ConnectionMethod[];
  /**
   * Who takes the VM over when its proxy cannot connect: the backup server with
   * the methods it may use. Null when the proxy is the backup server, when the
   * VM has no proxy, or when the backup server may not serve the VM.
   */
  readonly failover: Failover | null;
  /** The chosen server's load when it was chosen: running tasks plus VMs assigned before this one. */
  readonly load: number | null;
  /**
   * Why no candidate could serve, one entry per rule that kept candidates out;
   * present only when `status` is `unassigned`. Every candidate is counted under
   * each rule it failed; `gipkit explain` lists each candidate in full.
   */
  readonly reasons?: readonly UnavailableReason[];
}

/** The backup server taking a VM over, with the connection methods it may use, in order. */
export interface Failover {
  readonly server: string;
  readonly methods: readonly ConnectionMethod[];
}

export interface UnavailableReason {
  /** The rule that kept candidates out. */
  readonly rule: string;
  /** How many candidates it kept out. */
  readonly candidates: number;
  /** Its finding for the first of them (inventory order), with the actual values. */
  readonly example: { readonly server: string; readonly message: string };
}

export interface PlanSummary {
  readonly vms: number;
  readonly assigned: number;
  readonly fallback: number;
  readonly backupServer: number;
  readonly notRequired: number;
  readonly unassigned: number;
  /** VMs per proxy, in inventory order, only proxies that received at least one VM. */
  readonly perProxy: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/** A rule an organisation's rules file (or in-memory changes) added or replaced. */
export interface ChangedRule {
  readonly rule: string;
  readonly change: 'added' | 'replaced';
  /** The rules file (or the `origin` of in-memory changes) that made the change. */
  readonly file: string;
}

/** Which rules decided: rule packs, then organisation rules files in the order applied. */
export interface RulesApplied {
  /** Rule packs, in order: `gipkit:default`, then plugins' packs. */
  readonly packs: readonly string[];
  /** Organisation rules files (or in-memory changes' `origin`), in the order applied. */
  readonly files: readonly string[];
  /** Every effective rule that those files added or replaced. */
  readonly changed: readonly ChangedRule[];
}

export interface Plan {
  readonly job: string;
  readonly decisions: readonly Decision[];
  readonly summary: PlanSummary;
  /** The rules that made the plan; set by `Gipkit.plan`. */
  readonly rules?: RulesApplied;
  /** What the plan was made from (input digests, effective rules); set by `Gipkit.plan`. */
  readonly madeFrom?: PlanMadeFrom;
}

/** An input file as it was read: its SHA-256 (hex, of the bytes, as `sha256sum` prints it) and size. */
export interface InputDigest {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** One effective rule and where it came from: a pack (`gipkit:default`, a plugin's) or an organisation's rules file. */
export interface EffectiveRule {
  readonly rule: string;
  readonly origin: string;
}

export interface EffectiveRules {
  /** The rule set: packs, then organisation rules files, as `RulesApplied` names them. */
  readonly packs: readonly string[];
  readonly files: readonly string[];
  /** Every effective rule, in evaluation order, with its origin. */
  readonly rules: readonly EffectiveRule[];
  /** SHA-256 of the effective rule documents (RFC 8785 canonical JSON of the list). */
  readonly sha256: string;
}

/**
 * What a plan was made from: an auditable decision record. `inventory` and
 * `job` are present when the input was read from files (`loadInput`).
 */
export interface PlanMadeFrom {
  readonly inventory?: InputDigest;
  readonly job?: InputDigest;
  readonly rules: EffectiveRules;
}

export type CandidateVerdict = 'chosen' | 'eligible' | 'ineligible' | 'not-a-candidate';

export interface CandidateExplanation {
  readonly server: string;
  readonly verdict: CandidateVerdict;
  readonly isBackupServer: boolean;
  /** Rules that kept it out (empty when eligible). */
  readonly failed: readonly RuleFinding[];
  /** Connection methods it could use, in the order they would be tried. */
  readonly methods: readonly ConnectionMethod[];
  readonly tier: Tier | null;
  /** The tier rule that set `tier`. */
  readonly tierRule?: string;
  /** Its load when the VM was decided (running tasks plus VMs assigned before it in job order). */
  readonly load: number;
  /** Where `load` came from, when the explanation was asked with measured loads: the server's live agents, or the inventory's `runningTasks`. */
  readonly loadFrom?: 'agents' | 'inventory';
}

/** One finding shared by several candidates: the same rule and the same sentence once, with every server it applies to. */
export interface GroupedFinding {
  readonly rule: string;
  /** The sentence; where servers differ only by their id, it says "the server". */
  readonly message: string;
  /** The candidates it kept out, in inventory order. */
  readonly servers: readonly string[];
}

export interface Explanation {
  readonly job: string;
  readonly vm: string;
  readonly decision: Decision;
  /**
   * For an unassigned VM: one line naming the condition that left it without a
   * candidate (the rule that kept every candidate out, and the values it failed on).
   */
  readonly rootCause?: string;
  /** Every candidate's failures, grouped: identical findings once, with the servers they apply to. */
  readonly findings: readonly GroupedFinding[];
  /** The rules that decided (packs, organisation files, the rules they changed). */
  readonly rules: RulesApplied;
  /** Job-level rule that decided without looking at candidates, if any. */
  readonly jobRule: RuleFinding | null;
  readonly candidates: readonly CandidateExplanation[];
  /** Sentences: why the winner won, or why nobody could. */
  readonly because: readonly string[];
}
