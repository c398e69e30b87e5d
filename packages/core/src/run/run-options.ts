import type { ComponentBundle, Plan, StepTimeouts } from '@gipkit/plugin-api';

export type WhenNoConnector = 'refuse' | 'fail-vms';

export interface RunOptions {
  /** What to deploy: supplied by the embedding product (gipkit ships no vendor binaries). */
  readonly bundle: ComponentBundle;
  /** A plan made before for the same input; planned now when absent. */
  readonly plan?: Plan;
  /** When planning now: loads measured by server id (live agents), replacing the inventory's `runningTasks` (see `PlanOptions`). */
  readonly measuredLoad?: ReadonlyMap<string, number>;
  /** Cancels the run: no new work starts, running steps are aborted, cleanup still runs. */
  readonly signal?: AbortSignal;
  /** Cancels cleanup itself (a second Ctrl-C); its undone removals are reported as failures. */
  readonly cleanupSignal?: AbortSignal;
  readonly concurrency?: {
    /** Tasks at once on one server (default 4). */
    readonly perServer?: number;
    /** Tasks at once in the whole run (default 64). */
    readonly total?: number;
  };
  /** Per-step timeouts in milliseconds, above 0 and at most `MAX_TIMEOUT_MS` (2147483647, the longest a timer holds); defaults in `DEFAULT_TIMEOUTS`. */
  readonly timeouts?: Partial<StepTimeouts>;
  /** A dispatcher registered by a plugin (default `in-process`). */
  readonly dispatcher?: string;
  /**
   * When some planned VMs cannot be reached by any registered connector by the
   * methods planned for them: `refuse` (default) throws a NoConnectorError
   * (GIPKIT_RUN_NO_CONNECTOR) before any connection; `fail-vms` deploys the
   * others, and those VMs end failed (never accepted, whatever the job's
   * onGuestProcessingFailure).
   */
  readonly whenNoConnector?: WhenNoConnector;
  /** Awaited after every deployment ended and before cleanup: the job's own work (the backup) happens here. */
  readonly beforeCleanup?: () => Promise<void>;
}
