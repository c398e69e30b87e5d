import { ErrorCode, GipkitError, timeoutProblem, type ComponentBundle, type GuestConnector, type GuestDeployer, type OsFamily, type Plan, type StepTimeouts } from '@gipkit/plugin-api';
import type { ValidInput } from '../input/load-input.js';
import { formatPath } from '../input/document-path.js';
import type { EstateIndex } from '../planner/estate-index.js';
import { checkPlan } from '../plan-record/check-plan.js';

const BUNDLE_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** A plan handed in by code with many problems is another job's: the first ones say enough. */
const PLAN_PROBLEMS_LISTED = 20;

export interface RunSetup {
  readonly input: ValidInput;
  readonly bundle: ComponentBundle;
  readonly connectors: readonly GuestConnector[];
  readonly deployers: readonly GuestDeployer[];
  /** The name asked for, when no dispatcher has it. */
  readonly dispatcher: string | undefined;
  readonly perServer: number;
  readonly total: number;
  readonly timeouts: StepTimeouts;
  /** A plan passed in: it must be this job's, with its VMs in its order, proxies and failovers of this inventory. */
  readonly plan: Plan | undefined;
  readonly estate: EstateIndex;
}

/**
 * Checks, before any work, what would make every VM fail the same way: a guest
 * family without a deployer or without a start and health command in the
 * bundle, a platform without any connector, an unknown dispatcher, limits below
 * one, a timeout no timer can hold. Lists every problem in one error.
 */
export function checkRunSetup(setup: RunSetup): void {
  const problems: string[] = [];
  const { job } = setup.input;
  const { bundle } = setup;
  if (!BUNDLE_NAME.test(bundle.name)) problems.push(`bundle name ${JSON.stringify(bundle.name)} must match ${BUNDLE_NAME.source}`);
  if (bundle.version === '') problems.push('bundle version is empty');
  if (setup.dispatcher !== undefined) problems.push(`no dispatcher is named ${JSON.stringify(setup.dispatcher)}`);
  for (const [name, value] of [['perServer', setup.perServer], ['total', setup.total]] as const) {
    if (!Number.isInteger(value) || value < 1) problems.push(`concurrency.${name} must be a whole number of at least 1 (found ${String(value)})`);
  }
  for (const [step, value] of Object.entries(setup.timeouts)) {
    const problem = timeoutProblem(value);
    if (problem !== undefined) problems.push(`timeouts.${step} ${problem}`);
  }
  if (setup.plan !== undefined) {
    const checked = checkPlan(setup.plan, setup.estate, (path, message, value) => ({ file: 'plan', path: formatPath(path), message, ...(value === undefined ? {} : { value }) }));
    for (const problem of (checked.problems ?? []).slice(0, PLAN_PROBLEMS_LISTED)) {
      problems.push(`the plan's ${problem.path === '' ? 'whole' : problem.path}: ${problem.message}${problem.value === undefined ? '' : ` (found ${JSON.stringify(problem.value)})`}`);
    }
    const more = (checked.problems?.length ?? 0) - PLAN_PROBLEMS_LISTED;
    if (more > 0) problems.push(`and ${more} more problems in the plan: plan this input again`);
  }
  const families = new Set<OsFamily>();
  const platforms = new Set<string>();
  for (let position = 0; position < job.vms.length; position++) {
    const { vm } = setup.estate.jobVm(position);
    families.add(vm.guest.family);
    platforms.add(setup.estate.host(vm.host).platform);
  }
  for (const family of [...families].sort()) {
    if (!setup.deployers.some((deployer) => deployer.family === family)) problems.push(`no deployer is registered for ${family} guests`);
    if (bundle.start[family] === undefined || bundle.start[family].length === 0) problems.push(`bundle ${bundle.name} has no start command for ${family} guests`);
    if (bundle.health[family] === undefined || bundle.health[family].length === 0) problems.push(`bundle ${bundle.name} has no health command for ${family} guests`);
  }
  for (const platform of [...platforms].sort()) {
    if (!setup.connectors.some((connector) => connector.platform === platform)) problems.push(`no connector is registered for platform ${platform}`);
  }
  if (problems.length > 0) {
    throw new GipkitError(ErrorCode.RunMisconfigured, `cannot start job ${job.id}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
