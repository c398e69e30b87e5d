import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { Gipkit, ValidInput } from '@gipkit/core';
import { InputError, RuleError, type Diagnostic } from '@gipkit/plugin-api';
import { UsageError, repeatable, required } from '../parse-options.js';

export interface InputValues {
  readonly inventory?: string | undefined;
  readonly job?: string | undefined;
  readonly rules?: readonly string[] | undefined;
  readonly maxInputBytes?: string | undefined;
}

/** The options of every command that reads an inventory and a job. */
export function withInputOptions<A extends unknown[], O extends OptionValues>(command: Command<A, O>) {
  return command
    .option('--inventory <file>', 'inventory (YAML, or JSON when the name ends in .json) (required)')
    .option('--job <file>', 'backup job (YAML or JSON) (required)')
    .option('--rules <file>', 'organisation rules file that adds, replaces and disables rules; repeatable, applied in order (default: none)', repeatable)
    .option('--max-input-bytes <n>', 'largest inventory, job, rules or lab file read (default: 1073741824, 1 GiB)');
}

/** `--max-input-bytes`: a whole number of bytes, at least 1 (absent: the SDK's default). */
export function maxInputBytes(values: InputValues): { maxInputBytes?: number } {
  const value = values.maxInputBytes;
  if (value === undefined) return {};
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`--max-input-bytes must be a whole number of bytes from 1 to ${Number.MAX_SAFE_INTEGER} (got '${value}')`);
  }
  return { maxInputBytes: number };
}

/**
 * Builds the engine (rules files included) and loads the input: every problem
 * fails here, before planning. The problems of every file are reported at once:
 * when a rules file is wrong, the inventory and the job are still checked.
 * Core is loaded here, not when the command line is built: `gipkit --help` never loads it.
 */
export async function engineAndInput(values: InputValues): Promise<{ gipkit: Gipkit; input: ValidInput }> {
  required(values, 'inventory', 'job');
  const limit = maxInputBytes(values);
  const { createGipkit } = await import('@gipkit/core');
  const files = { inventory: values.inventory ?? '', job: values.job ?? '' };
  let gipkit: Gipkit;
  try {
    gipkit = createGipkit({ ruleFiles: values.rules ?? [], ...limit });
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    let inputProblems: readonly Diagnostic[] = [];
    try {
      createGipkit({ ...limit }).loadInput(files);
    } catch (inputError) {
      if (!(inputError instanceof InputError)) throw inputError;
      inputProblems = inputError.diagnostics;
    }
    const problems = [...inputProblems, ...error.diagnostics];
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new RuleError(`${inputProblems.length === 0 ? 'invalid rules' : 'invalid input and rules'} (${count}):`, problems);
  }
  const input = gipkit.loadInput(files);
  return { gipkit, input };
}
