import { createGipkit, type Gipkit, type ValidInput } from '@gipkit/core';
import { required, type OptionSpec } from '../parse-options.js';

export const INPUT_OPTIONS = {
  inventory: { type: 'string' },
  job: { type: 'string' },
  rules: { type: 'string', multiple: true },
} as const satisfies OptionSpec;

export interface InputValues {
  readonly inventory?: string | undefined;
  readonly job?: string | undefined;
  readonly rules?: readonly string[] | undefined;
}

/** Builds the engine (rules files included) and loads the input: every problem fails here, before planning. */
export function engineAndInput(values: InputValues): { gipkit: Gipkit; input: ValidInput } {
  required(values, 'inventory', 'job');
  const gipkit = createGipkit({ ruleFiles: values.rules ?? [] });
  const input = gipkit.loadInput({ inventory: values.inventory ?? '', job: values.job ?? '' });
  return { gipkit, input };
}
