import type { CandidateExplanation, Explanation, Plan, RuleFinding } from '@gipkit/plugin-api';
import type { PlanningSession } from './planning-session.js';

export interface ExplainInput {
  readonly session: PlanningSession;
  readonly plan: Plan;
  readonly vm: string;
  readonly position: number;
  /** Loads of every server just before the VM was decided. */
  readonly loads: Int32Array;
}

const TIE_BREAK = 'the first of them in the inventory';

/** Every candidate's verdict for one VM, from the same compiled rules that decided. */
export function explainVm(input: ExplainInput): Explanation {
  const { session, plan, vm, position, loads } = input;
  const { estate } = session;
  const decision = plan.decisions[position];
  if (decision === undefined) throw new RangeError(`no decision at ${position}`);
  const jobRule = session.jobOutcomeRule();
  const jobFinding: RuleFinding | null = jobRule === undefined ? null : { rule: jobRule.name, message: session.jobMessage(jobRule) };
  const { job } = estate;
  const preferred = job.proxy.mode === 'preferred' ? new Set(job.proxy.servers) : null;
  const vmClass = session.classOf(vm);
  const tierRuleName = (index: number): string => session.rules.rules[index]?.name ?? 'none';

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
      load: loads[index] ?? 0,
      ...(verdict.tierRule === -1 ? {} : { tierRule: tierRuleName(verdict.tierRule) }),
    };
  });

  const because: string[] = [];
  if (jobFinding !== null) because.push(`${jobFinding.rule}: ${jobFinding.message}.`);
  const eligible = candidates.filter((candidate) => candidate.verdict === 'eligible' || (candidate.verdict === 'chosen' && candidate.failed.length === 0 && candidate.tier !== null));
  if (decision.status === 'assigned') {
    const winner = candidates.find((candidate) => candidate.verdict === 'chosen');
    const sameTier = eligible.filter((candidate) => candidate.tier === winner?.tier);
    const index = estate.servers.findIndex((server) => server.id === winner?.server);
    const rule = winner === undefined ? 'none' : tierRuleName(session.verdict(vmClass, index).tierRule);
    because.push(`${eligible.length} of ${preferred === null ? estate.servers.length : preferred.size} candidates are eligible; the lowest tier among them is ${winner?.tier ?? '?'} (${rule}).`);
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
          : `, and the backup server ${estate.servers[estate.backupServer]?.id ?? ''} cannot serve it either (fallback: backup-server)`;
    because.push(`No ${preferred === null ? '' : 'preferred '}server can serve ${vm}${how}.`);
  } else if (decision.status === 'backup-server') {
    because.push(`The backup server ${decision.proxy} performs guest interaction for every VM of this job.`);
  }
  return { job: job.id, vm, decision, jobRule: jobFinding, candidates, because };
}
