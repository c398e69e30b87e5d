import { createGipkit, type Gipkit, type ValidInput } from '@gipkit/core';
import { UsageError, required, type OptionSpec } from '../parse-options.js';

export const INPUT_OPTIONS = {
  inventory: { type: 'string' },
  job: { type: 'string' },
  rules: { type: 'string', multiple: true },
  'max-input-bytes': { type: 'string' },
} as const satisfies OptionSpec;

export interface InputValues {
  readonly inventory?: string | undefined;
  readonly job?: string | undefined;
  readonly rules?: readonly string[] | undefined;
  readonly 'max-input-bytes'?: string | undefined;
}

/** `--max-input-bytes`: a whole number of bytes, at least 1 (absent: the SDK's default). */
export function maxInputBytes(values: InputValues): { maxInputBytes?: number } {
  const value = values['max-input-bytes'];
  if (value === undefined) return {};
  const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`--max-input-bytes must be a whole number of bytes from 1 to ${Number.MAX_SAFE_INTEGER} (got '${value}')`);
  }
  return { maxInputBytes: number };
}

/** Builds the engine (rules files included) and loads the input: every problem fails here, before planning. */
export function engineAndInput(values: InputValues): { gipkit: Gipkit; input: ValidInput } {
  required(values, 'inventory', 'job');
  const gipkit = createGipkit({ ruleFiles: values.rules ?? [], ...maxInputBytes(values) });
  const input = gipkit.loadInput({ inventory: values.inventory ?? '', job: values.job ?? '' });
  return { gipkit, input };
}
