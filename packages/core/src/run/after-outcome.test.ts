import { describe, expect, it } from 'vitest';
import { ErrorCode, type DeploymentMode, type TaskOutcome } from '@gipkit/plugin-api';
import { afterOutcome, type AttemptRole, type FailoverChoice } from './after-outcome.js';

// The decision after one attempt, as a table: outcome × role × mode × cancellation × failover → events and next step.

const REFUSED = { code: ErrorCode.ConnectionRefused, message: 'p1 could not connect to vm-1 over lan' };
const HEALTH = { code: ErrorCode.HealthCheckFailed, message: 'health check failed' };
const ABORTED = { code: ErrorCode.ConnectionAborted, message: 'aborted' };
const DEPLOYMENT = { location: '/tmp/gipkit-run-1-agent-x', version: '1.2.0', reused: false, mode: 'non-persistent' } as const;

const succeeded: TaskOutcome = { status: 'succeeded', method: 'lan', deployment: DEPLOYMENT };
const succeededStale: TaskOutcome = { status: 'succeeded', method: 'vix', deployment: { ...DEPLOYMENT, stale: 2 } };
const succeededNowhere: TaskOutcome = { status: 'succeeded', method: 'lan' };
const failedAtHealth: TaskOutcome = { status: 'failed', method: 'lan', step: 'health', cause: HEALTH, location: DEPLOYMENT.location };
const failedAtRemove: TaskOutcome = { status: 'failed', method: 'lan', step: 'remove', cause: HEALTH };
const failedAborted: TaskOutcome = { status: 'failed', method: 'lan', step: 'upload', cause: ABORTED };
const unreachable: TaskOutcome = { status: 'unreachable', failures: [{ server: 'p1', method: 'lan', cause: REFUSED }] };
const agentStopped = { code: ErrorCode.AgentUnavailable, message: 'agent a-1 of p1 stopped while it held the task' };
const unreachablePartial: TaskOutcome = { status: 'unreachable', failures: [{ server: 'p1', method: 'lan', cause: agentStopped }], location: DEPLOYMENT.location, agent: 'a-1' };
const unreachableAborted: TaskOutcome = { status: 'unreachable', failures: [{ server: 'p1', method: 'lan', cause: ABORTED }] };

interface Row {
  readonly name: string;
  readonly outcome: TaskOutcome;
  readonly role?: AttemptRole;
  readonly mode?: DeploymentMode;
  readonly cancelled?: boolean;
  readonly failover?: FailoverChoice;
  readonly events: readonly string[];
  readonly next: unknown;
  readonly leftover?: boolean;
  readonly kept?: boolean;
  readonly stale?: number;
}

const TABLE: readonly Row[] = [
  { name: 'a proxy that deploys: succeeded, its deployment removed at job end', outcome: succeeded, events: ['deployment.succeeded'], next: { kind: 'succeeded', method: 'lan' }, leftover: true },
  { name: 'a persistent deployment stays on the guest', outcome: succeeded, mode: 'persistent', events: ['deployment.succeeded'], next: { kind: 'succeeded', method: 'lan' }, kept: true },
  { name: 'the backup server that deploys after a failover', outcome: succeeded, role: 'backup-server', events: ['failover.succeeded', 'deployment.succeeded'], next: { kind: 'succeeded', method: 'lan' }, leftover: true },
  { name: 'stale leftovers found by the deployment are counted', outcome: succeededStale, events: ['deployment.succeeded'], next: { kind: 'succeeded', method: 'vix' }, leftover: true, stale: 2 },
  {
    name: 'success without a location in non-persistent mode is a failure at health', outcome: succeededNowhere, events: [],
    next: { kind: 'failed', step: 'health', method: 'lan', cause: { code: ErrorCode.DeployFailed, message: 'the agent reported success for vm-1 without a deployment to remove later' } },
  },
  { name: 'success without a location in persistent mode is fine', outcome: succeededNowhere, mode: 'persistent', events: ['deployment.succeeded'], next: { kind: 'succeeded', method: 'lan' }, kept: true },
  { name: 'a failure after connecting ends the VM (no failover); the partial deployment is removed', outcome: failedAtHealth, events: [], next: { kind: 'failed', step: 'health', method: 'lan', cause: HEALTH }, leftover: true },
  { name: 'a failure after connecting on the backup server is a failed failover', outcome: failedAtHealth, role: 'backup-server', events: ['failover.failed'], next: { kind: 'failed', step: 'health', method: 'lan', cause: HEALTH }, leftover: true },
  { name: 'a failure while removing is reported at connect', outcome: failedAtRemove, events: [], next: { kind: 'failed', step: 'connect', method: 'lan', cause: HEALTH } },
  {
    name: 'a failure because the connector was aborted is a cancellation', outcome: failedAborted, events: [],
    next: { kind: 'failed', step: 'upload', method: 'lan', cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled: aborted' } },
  },
  {
    name: 'a failure while the run is cancelled is a cancellation', outcome: failedAtHealth, cancelled: true, events: [],
    next: { kind: 'failed', step: 'health', method: 'lan', cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled: health check failed' } }, leftover: true,
  },
  { name: 'a proxy that cannot connect fails over to the backup server', outcome: unreachable, failover: { to: 'vbr' }, events: ['failover.started'], next: { kind: 'fail-over', to: 'vbr' } },
  {
    name: 'a proxy that cannot connect, with no failover possible, fails saying why', outcome: unreachable, failover: { none: '; no failover: the backup server vbr has no connection method to vm-1' }, events: [],
    next: { kind: 'failed', step: 'connect', method: null, cause: { ...REFUSED, message: `${REFUSED.message}; no failover: the backup server vbr has no connection method to vm-1` } },
  },
  {
    name: 'a remote agent that stopped mid-task fails over, and its partial deployment is removed at job end', outcome: unreachablePartial, failover: { to: 'vbr' },
    events: ['failover.started'], next: { kind: 'fail-over', to: 'vbr' }, leftover: true,
  },
  { name: 'a partial deployment of a persistent run is not a leftover', outcome: unreachablePartial, mode: 'persistent', failover: { to: 'vbr' }, events: ['failover.started'], next: { kind: 'fail-over', to: 'vbr' } },
  { name: 'the backup server that cannot connect ends the VM: one failover only', outcome: unreachable, role: 'backup-server', events: ['failover.failed'], next: { kind: 'failed', step: 'connect', method: null, cause: REFUSED } },
  {
    name: 'a cancelled run does not fail over', outcome: unreachable, cancelled: true, failover: { to: 'vbr' }, events: [],
    next: { kind: 'failed', step: 'connect', method: null, cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled' } },
  },
  {
    name: 'an aborted connection does not fail over, on the backup server either', outcome: unreachableAborted, role: 'backup-server', events: ['failover.failed'],
    next: { kind: 'failed', step: 'connect', method: null, cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled' } },
  },
];

describe('afterOutcome', () => {
  it.each(TABLE)('$name', (row) => {
    let asked = 0;
    const after = afterOutcome(row.outcome, {
      job: 'nightly', vm: 'vm-1', server: row.role === 'backup-server' ? 'vbr' : 'p1', role: row.role ?? 'proxy', mode: row.mode ?? 'non-persistent',
      bundleVersion: '1.2.0', cancelled: row.cancelled ?? false,
      failover: () => {
        asked++;
        if (row.failover === undefined) throw new Error('failover asked for, but the row expects no question');
        return row.failover;
      },
    });
    expect(after.events.map((event) => event.type)).toEqual(row.events);
    expect(after.next).toEqual(row.next);
    expect(after.leftover !== undefined).toBe(row.leftover ?? false);
    expect(after.kept).toBe(row.kept ?? false);
    expect(after.stale).toBe(row.stale ?? 0);
    // The backup server is asked about only when a proxy could not connect and the run goes on.
    expect(asked).toBe(row.failover !== undefined && row.cancelled !== true ? 1 : 0);
  });

  it('the events name the VM, the server and the values a user reads', () => {
    const success = afterOutcome(succeeded, {
      job: 'nightly', vm: 'vm-1', server: 'vbr', role: 'backup-server', mode: 'non-persistent', bundleVersion: '1.2.0', cancelled: false, failover: () => ({ none: '' }),
    });
    expect(success.events).toEqual([
      { type: 'failover.succeeded', job: 'nightly', vm: 'vm-1', server: 'vbr', method: 'lan' },
      { type: 'deployment.succeeded', job: 'nightly', vm: 'vm-1', server: 'vbr', method: 'lan', mode: 'non-persistent', location: DEPLOYMENT.location, version: '1.2.0', reused: false, failedOver: true },
    ]);
    expect(success.leftover).toEqual({ method: 'lan', location: DEPLOYMENT.location });
    const over = afterOutcome(unreachable, {
      job: 'nightly', vm: 'vm-1', server: 'p1', role: 'proxy', mode: 'non-persistent', bundleVersion: '1.2.0', cancelled: false, failover: () => ({ to: 'vbr' }),
    });
    expect(over.events).toEqual([{ type: 'failover.started', job: 'nightly', vm: 'vm-1', from: 'p1', to: 'vbr', cause: REFUSED }]);
  });
});
