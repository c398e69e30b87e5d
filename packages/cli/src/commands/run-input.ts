import { resolve } from 'node:path';
import { createGipkit, type ValidInput } from '@gipkit/core';
import { loadBundle } from '@gipkit/deployer-kit';
import { ErrorCode, InputError, type ComponentBundle, type Diagnostic } from '@gipkit/plugin-api';

export interface RunInputFiles {
  readonly inventory: string;
  readonly job: string;
  readonly rules: readonly string[];
  readonly bundle: string;
  /** Largest inventory, job or rules file read (default: the SDK's). */
  readonly maxInputBytes?: number;
}

/**
 * Loads the inventory and job (with an engine that knows no plugin yet) and
 * the bundle, and reports the problems of all three in one InputError, before
 * anything is planned: GIPKIT_INPUT_INVALID when the inventory or the job has
 * a problem, else GIPKIT_BUNDLE_INVALID.
 */
export async function loadRunInput(files: RunInputFiles): Promise<{ input: ValidInput; bundle: ComponentBundle }> {
  const bundleLoading = loadBundle(resolve(files.bundle)).then(
    (bundle) => ({ bundle, problems: [] as readonly Diagnostic[] }),
    (error: unknown) => {
      if (error instanceof InputError) return { bundle: undefined, problems: error.diagnostics };
      throw error;
    },
  );
  let input: ValidInput | undefined;
  let inputProblems: readonly Diagnostic[] = [];
  try {
    input = createGipkit({ ruleFiles: files.rules, ...(files.maxInputBytes === undefined ? {} : { maxInputBytes: files.maxInputBytes }) }).loadInput({ inventory: files.inventory, job: files.job });
  } catch (error) {
    if (!(error instanceof InputError)) {
      await bundleLoading.catch(() => undefined);
      throw error;
    }
    inputProblems = error.diagnostics;
  }
  const { bundle, problems: bundleProblems } = await bundleLoading;
  if (input === undefined || bundle === undefined) {
    const problems = [...inputProblems, ...bundleProblems];
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new InputError(inputProblems.length > 0 ? ErrorCode.InputInvalid : ErrorCode.BundleInvalid, `invalid input (${count}):`, problems);
  }
  return { input, bundle };
}
