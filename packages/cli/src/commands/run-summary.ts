import type { RunResult } from '@gipkit/core';
import { formatTable } from '../format-table.js';
import { printable, printableLines } from '../terminal-text.js';
import { paint } from '../terminal-style.js';
import { NO_PROXY } from './run-progress.js';

interface ServerRow {
  planned: number;
  done: number;
  failedOver: number;
  crashConsistent: number;
  failed: number;
}

export interface RunSummaryOptions {
  /** Server ids in inventory order: the table's row order. */
  readonly servers: readonly string[];
  readonly colour?: boolean;
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** What made a run not accepted, in the order a user fixes it. */
export function notAcceptedBecause(result: RunResult): string[] {
  const reasons: string[] = [];
  if (result.counts.failed > 0) reasons.push(`${plural(result.counts.failed, 'VM', 'VMs')} failed`);
  if (result.cleanup.failures.length > 0) reasons.push(`cleanup could not remove ${plural(result.cleanup.failures.length, 'deployment', 'deployments')}`);
  if (result.cancelled) reasons.push('the run was cancelled');
  return reasons;
}

/**
 * The summary of a run: a row for every server that had VMs planned or did
 * work (and one for VMs the plan gave no proxy), whose columns add up to the
 * footer. PLANNED: VMs the plan gave the server (`(no proxy)`: those it could
 * serve with none; VMs without guest processing need no proxy and are in no row). DONE: VMs it deployed, those it
 * took over as backup server included (as `deployment.succeeded` names it).
 * FAILED OVER: its planned VMs it could not connect to, that the backup server
 * took over, whatever the end (as many as `failover.started` events; the
 * footer says how many of them were done). CRASH-CONSISTENT and FAILED: by the server that tried last.
 */
export function formatRunSummary(result: RunResult, options: RunSummaryOptions): string {
  const rows = new Map<string, ServerRow>();
  const row = (id: string): ServerRow => {
    let found = rows.get(id);
    if (found === undefined) rows.set(id, (found = { planned: 0, done: 0, failedOver: 0, crashConsistent: 0, failed: 0 }));
    return found;
  };
  const plannedProxy = new Map<string, string>();
  for (const decision of result.plan.decisions) {
    // A VM that needs no guest processing needs no proxy: it is skipped, in no row. One the plan could not serve is in `(no proxy)`.
    if (decision.status === 'not-required') continue;
    if (decision.proxy === null) {
      row(NO_PROXY).planned++;
      continue;
    }
    plannedProxy.set(decision.vm, decision.proxy);
    row(decision.proxy).planned++;
  }
  for (const vm of result.vms) {
    if (vm.status === 'skipped') continue;
    const server = row(vm.server ?? NO_PROXY);
    if (vm.status === 'succeeded') server.done++;
    else if (vm.status === 'crash-consistent') server.crashConsistent++;
    else server.failed++;
    if (vm.failedOver) row(plannedProxy.get(vm.vm) ?? vm.server ?? NO_PROXY).failedOver++;
  }
  const order = [...options.servers.filter((id) => rows.has(id)), ...[...rows.keys()].filter((id) => id !== NO_PROXY && !options.servers.includes(id))];
  if (rows.has(NO_PROXY)) order.push(NO_PROXY);
  const table = formatTable(
    ['SERVER', 'PLANNED', 'DONE', 'FAILED OVER', 'CRASH-CONSISTENT', 'FAILED'],
    order.map((id) => {
      const r = rows.get(id) ?? { planned: 0, done: 0, failedOver: 0, crashConsistent: 0, failed: 0 };
      return [id, String(r.planned), String(r.done), String(r.failedOver), String(r.crashConsistent), String(r.failed)];
    }),
  );
  const { counts, cleanup } = result;
  const failedOver = result.vms.filter((vm) => vm.failedOver).length;
  const colour = options.colour === true;
  const reasons = notAcceptedBecause(result);
  const lines = printableLines([
    '',
    `job ${result.job}: ${result.vms.length} VMs in ${(result.durationMs / 1000).toFixed(2)} s${result.cancelled ? ' (cancelled)' : ''}`,
    ...table.split('\n'),
    '',
    // Every failover, whatever its end (the FAILED OVER column, the failover.started events); `counts.failedOver` has the successful ones only.
    `${counts.succeeded} done, ${counts.crashConsistent} crash-consistent, ${counts.failed} failed, ${counts.skipped} skipped (no guest processing); ${failedOver} failed over to the backup server${failedOver > 0 ? ` (${counts.failedOver} of them done)` : ''}`,
    `cleanup: ${cleanup.removed} removed, ${cleanup.kept} persistent kept, ${cleanup.failures.length} failed${cleanup.stale > 0 ? `, ${cleanup.stale} left by crashed runs removed` : ''}`,
    ...cleanup.failures.map((failure) => `  ${failure.vm} on ${failure.server}: ${failure.location}: ${failure.cause.message} [${failure.cause.code}]`),
  ]);
  const verdict = result.accepted ? 'result: every VM ended as the job accepts' : `result: not accepted: ${reasons.join(', ')}`;
  return `${lines}\n${paint(printable(verdict), result.accepted ? 'green' : 'red', colour)}`;
}
