import type { CandidateExplanation, Explanation, GroupedFinding, Plan, RuleFinding, RulesApplied } from '@gipkit/plugin-api';
import { CONNECTION_METHOD_REQUIRED, type PlanningSession, type VmClass } from './planning-session.js';

export interface ExplainInput {
  readonly session: PlanningSession;
  readonly plan: Plan;
  readonly vm: string;
  readonly position: number;
  /** Loads of every server just before the VM was decided. */
  readonly loads: Int32Array;
  readonly rules: RulesApplied;
}

const SERVER_LABEL = 'the server';

/** "1 candidate is", "3 candidates are". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Identical findings once: the same rule with the same sentence (the server's
 * id read as "the server") is one group listing every server it kept out.
 * A group of one server keeps that server's own sentence.
 */
function groupFindings(session: PlanningSession, vm: string, vmClass: VmClass, candidates: readonly CandidateExplanation[]): GroupedFinding[] {
  const groups = new Map<string, { rule: string; message: string; own: string; servers: string[] }>();
  candidates.forEach((candidate, index) => {
    if (candidate.failed.length === 0) return;
    const generic = session.findings(vm, vmClass, index, SERVER_LABEL);
    candidate.failed.forEach((finding, at) => {
      const message = generic[at]?.message ?? finding.message;
      const key = `${finding.rule}\u0000${message}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { rule: finding.rule, message, own: finding.message, servers: [candidate.server] });
      else group.servers.push(candidate.server);
    });
  });
  return [...groups.values()]
    .map(({ rule, message, own, servers }) => ({ rule, message: servers.length === 1 ? own : message, servers }))
    .sort((a, b) => b.servers.length - a.servers.length);
}

/**
 * The one line that says why an unassigned VM has no candidate: the rule that
 * kept every candidate out (a connection method first: nothing else matters
 * when no server can reach the VM), with the conditions it failed on.
 */
function rootCauseOf(session: PlanningSession, vm: string, considered: readonly CandidateExplanation[], findings: readonly GroupedFinding[]): string {
  const total = considered.length;
  if (total === 0) return `${vm} has no candidate: the job lists no server that is in the inventory`;
  const everyone = findings.filter((finding) => finding.servers.length === total);
  const byRule = new Map<string, number>();
  for (const candidate of considered) for (const rule of new Set(candidate.failed.map((finding) => finding.rule))) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
  if (byRule.get(CONNECTION_METHOD_REQUIRED) === total) {
    // Per method, the failed conditions every candidate shares: each alone keeps the method out. When the
    // candidates share none (one lacks PowerShell, another is too old), the commonest failure, with on how many
    // servers it holds; the grouped findings show the rest.
    const index = new Map(session.estate.servers.map((server, at) => [server.id, at]));
    const perCandidate = considered.flatMap((candidate) => {
      const at = index.get(candidate.server);
      return at === undefined ? [] : [session.messages.methodFailures(session.messages.readerFor(vm, at))];
    });
    const methods = perCandidate[0] ?? [];
    const failures = methods.map(({ method }, at) => {
      const lists = perCandidate.map((failuresOf) => failuresOf[at]?.parts ?? []);
      const shared = (lists[0] ?? []).filter((part) => lists.every((list) => list.includes(part)));
      if (shared.length > 0) return `${method}: ${shared.join(', and ')}`;
      const counts = new Map<string, number>();
      for (const list of lists) counts.set(list.join(', and '), (counts.get(list.join(', and ')) ?? 0) + 1);
      const [why, n] = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
      return `${method}: ${why || 'its conditions fail'} (on ${n} of ${count(total, 'server')})`;
    });
    return `no server can connect to ${vm}: ${failures.join('; ')}`;
  }
  const shared = everyone[0];
  if (shared !== undefined) return `every candidate fails ${shared.rule}: ${shared.message}`;
  const whole = [...byRule].find(([, n]) => n === total);
  if (whole !== undefined) return `every candidate fails ${whole[0]}`;
  const parts = [...byRule].sort(([, a], [, b]) => b - a).map(([rule, n]) => `${rule} (${count(n, 'server')})`);
  return `no single rule: each candidate fails at least one of ${parts.join(', ')}`;
}

const TIE_BREAK = 'the first of them in the inventory';

/** Every candidate's verdict for one VM, from the same compiled rules that decided. */
export function explainVm(input: ExplainInput): Explanation {
  const { session, plan, vm, position, loads, rules } = input;
  const { estate } = session;
  const decision = plan.decisions[position];
  if (decision === undefined) throw new RangeError(`no decision at ${position}`);
  const jobRule = session.jobOutcomeRule();
  const jobFinding: RuleFinding | null = jobRule === undefined ? null : { rule: jobRule.name, message: session.messages.jobMessage(jobRule) };
  const { job } = estate;
  const preferred = job.proxy.mode === 'preferred' ? new Set(job.proxy.servers) : null;
  const vmClass = session.classOf(vm);
  const tierRuleName = (index: number): string => session.rules.rules[index]?.name ?? 'none';
  /** A rule named in a sentence, with the rules file that added or replaced it. */
  const named = (rule: string): string => {
    const changed = rules.changed.find((candidate) => candidate.rule === rule);
    return changed === undefined ? rule : `${rule}, ${changed.change} by ${changed.file}`;
  };

  const candidates: CandidateExplanation[] = estate.servers.map((server, index) => {
    const verdict = session.verdict(vmClass, index);
    const fallback = job.proxy.mode === 'preferred' && job.proxy.fallback === 'backup-server' && decision.status !== 'assigned';
    const isCandidate = preferred === null || preferred.has(server.id) || (fallback && index === estate.backupServer);
    const failed = verdict.eligible ? [] : session.findings(vm, vmClass, index);
    return {
      server: server.id,
      verdict: decision.proxy === server.id ? 'chosen' : !isCandidate ? 'not-a-candidate' : verdict.eligible ? 'eligible' : 'ineligible',
      isBackupServer: index === estate.backupServer,
      failed,
      methods: session.methods(vmClass, index),
      tier: verdict.tierRule === -1 ? null : verdict.tier,
      load: loads[index] ?? server.runningTasks,
      ...(verdict.tierRule === -1 ? {} : { tierRule: tierRuleName(verdict.tierRule) }),
    };
  });

  const considered = candidates.filter((candidate) => candidate.verdict !== 'not-a-candidate');
  const findings = groupFindings(session, vm, vmClass, candidates);
  const because: string[] = [];
  if (jobFinding !== null) because.push(`${named(jobFinding.rule)}: ${jobFinding.message}.`);
  const eligible = candidates.filter((candidate) => candidate.verdict === 'eligible' || (candidate.verdict === 'chosen' && candidate.failed.length === 0 && candidate.tier !== null));
  if (decision.status === 'assigned') {
    const winner = candidates.find((candidate) => candidate.verdict === 'chosen');
    const sameTier = eligible.filter((candidate) => candidate.tier === winner?.tier);
    const index = estate.servers.findIndex((server) => server.id === winner?.server);
    const rule = winner === undefined ? 'none' : tierRuleName(session.verdict(vmClass, index).tierRule);
    const pool = preferred === null ? estate.servers.length : preferred.size;
    because.push(`${eligible.length} of ${count(pool, 'candidate')} ${eligible.length === 1 ? 'is' : 'are'} eligible; the lowest tier among them is ${winner?.tier ?? '?'} (${named(rule)}).`);
    const others = sameTier.filter((candidate) => candidate !== winner);
    if (others.length === 0) because.push(`${winner?.server} is the only eligible candidate in tier ${winner?.tier}.`);
    else {
      const ties = others.filter((candidate) => candidate.load === winner?.load);
      because.push(`${sameTier.length} candidates share tier ${winner?.tier}; ${winner?.server} has the least load (${winner?.load}).`);
      if (ties.length > 0) because.push(`${ties.map((candidate) => candidate.server).join(', ')} had the same load; ${winner?.server} is ${TIE_BREAK}.`);
    }
    if (decision.connection !== null) because.push(`It connects with ${decision.connection}${winner !== undefined && winner.methods.length > 1 ? ` (then ${winner.methods.slice(1).join(', ')})` : ''}.`);
  } else if (decision.status === 'fallback') {
    because.push(`No preferred server (${[...(preferred ?? [])].join(', ')}) can serve ${vm}; the backup server ${decision.proxy} takes the role (fallback: backup-server).`);
  } else if (decision.status === 'unassigned') {
    const how =
      job.proxy.mode !== 'preferred'
        ? ''
        : job.proxy.fallback === 'fail'
          ? ' and the job does not fall back (fallback: fail)'
          : `, and the backup server ${estate.serverId(estate.backupServer)} cannot serve it either (fallback: backup-server)`;
    because.push(`No ${preferred === null ? '' : 'preferred '}server can serve ${vm}${how}.`);
  } else if (decision.status === 'backup-server') {
    because.push(`The backup server ${decision.proxy} performs guest interaction for every VM of this job.`);
  }
  const rootCause = decision.status === 'unassigned' ? rootCauseOf(session, vm, considered, findings) : undefined;
  if (rootCause !== undefined) because.unshift(`Root cause: ${rootCause}.`);
  return { job: job.id, vm, decision, ...(rootCause === undefined ? {} : { rootCause }), jobRule: jobFinding, candidates, findings, rules, because };
}
