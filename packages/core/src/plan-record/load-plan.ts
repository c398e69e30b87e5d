import { ErrorCode, GipkitError, InputError, type Plan, type PlanMadeFrom } from '@gipkit/plugin-api';
import type { ValidInput } from '../input/load-input.js';
import type { ReadInputOptions } from '../input/read-input-file.js';
import { readSourceDocument } from '../input/source-document.js';
import type { EstateIndex } from '../planner/estate-index.js';
import { checkPlan, own, record } from './check-plan.js';
import { changedInputs, type ChangedInput } from './made-from.js';

/**
 * A saved plan was made from another inventory or job than the one given
 * (GIPKIT_PLAN_STALE): `changed` says which, with the digests then and now.
 */
export class PlanStaleError extends GipkitError {
  readonly file: string;
  readonly changed: readonly ChangedInput[];

  constructor(file: string, changed: readonly ChangedInput[]) {
    const lines = changed.map(({ input, planned, now }) =>
      planned.sha256 === ''
        ? `  - the plan does not record the ${input} it was made from (now ${now.file}, sha256 ${now.sha256})`
        : `  - the ${input} changed: planned from ${planned.file} (sha256 ${planned.sha256}, ${planned.bytes} bytes), now ${now.file} (sha256 ${now.sha256}, ${now.bytes} bytes)`,
    );
    super(ErrorCode.PlanStale, [`the plan ${file} was not made from this input; nothing was done:`, ...lines, 'Plan again and review the new plan (gipkit run --replan plans again and runs).'].join('\n'));
    this.file = file;
    this.changed = changed;
  }
}

/**
 * Reads a plan that `gipkit plan --format json` wrote (or `JSON.stringify`
 * of a `Plan`) and checks it against the input it is to run on: first that
 * the inventory and job are the files it was made from (by SHA-256, when the
 * input was read from files), then every decision (see `checkPlan`). Throws
 * PlanStaleError or an InputError (GIPKIT_PLAN_INVALID) listing every problem
 * with its line and column; never runs anything.
 */
export function loadPlanFile(file: string, input: ValidInput, estate: EstateIndex, options: ReadInputOptions = {}): Plan {
  const document = readSourceDocument(file, options);
  if (document.problems.length > 0) throw new InputError(ErrorCode.PlanInvalid, `invalid plan (${count(document.problems.length)}):`, document.problems);
  const isRecord = typeof document.data === 'object' && document.data !== null && !Array.isArray(document.data);
  // What is not a plan at all is reported as such, not as a plan of other input.
  if (input.sources !== undefined && isRecord) {
    const changed = changedInputs(recordedDigests(document.data), input.sources);
    if (changed.length > 0) throw new PlanStaleError(file, changed);
  }
  const checked = checkPlan(document.data, estate, document.at);
  if (checked.problems !== undefined) {
    throw new InputError(ErrorCode.PlanInvalid, `invalid plan for job ${input.job.id} (${count(checked.problems.length)}):`, document.place(checked.problems));
  }
  return checked.plan;
}

/** The digests a plan's data records, read leniently: a malformed record counts as none (the full check reports it). */
function recordedDigests(data: unknown): Pick<PlanMadeFrom, 'inventory' | 'job'> {
  const madeFrom = member(data, 'madeFrom');
  const digest = (input: 'inventory' | 'job'): { file: string; sha256: string; bytes: number } | undefined => {
    const value = member(madeFrom, input);
    const file = member(value, 'file');
    const sha256 = member(value, 'sha256');
    const bytes = member(value, 'bytes');
    return typeof file === 'string' && typeof sha256 === 'string' && typeof bytes === 'number' ? { file, sha256, bytes } : undefined;
  };
  const inventory = digest('inventory');
  const job = digest('job');
  return { ...(inventory === undefined ? {} : { inventory }), ...(job === undefined ? {} : { job }) };
}

/** An own member of an object; undefined for anything else. */
function member(value: unknown, key: string): unknown {
  const object = record(value);
  return object === undefined ? undefined : own(object, key);
}

function count(problems: number): string {
  return problems === 1 ? '1 problem' : `${problems} problems`;
}
