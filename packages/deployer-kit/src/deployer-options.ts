import { ErrorCode, PluginError } from '@gipkit/plugin-api';

/** How a control-script deployer checks a component's health; both deployers take these options. */
export interface HealthCheckOptions {
  /** How many times the health command is tried before it counts as failed (default 5). */
  readonly healthAttempts?: number;
  /** Seconds between health attempts (default 1). */
  readonly healthIntervalSeconds?: number;
}

/** `HealthCheckOptions` checked, with their defaults filled in. */
export interface HealthCheckSettings {
  /** A whole number of attempts (a fraction is rounded up). */
  readonly healthAttempts: number;
  readonly healthIntervalSeconds: number;
}

/** A positive number, or `fallback` when not given; anything else is a GIPKIT_PLUGIN_INVALID error of `plugin`. */
function positiveOption(plugin: string, option: number | undefined, fallback: number, what: string): number {
  const value = option ?? fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new PluginError(ErrorCode.PluginInvalid, plugin, `${what} must be a positive number (found ${value})`);
  return value;
}

/** Checks `healthAttempts` (default 5) and `healthIntervalSeconds` (default 1) for `plugin`, when its deployer is made. */
export function checkHealthOptions(plugin: string, options: HealthCheckOptions): HealthCheckSettings {
  return {
    healthAttempts: Math.ceil(positiveOption(plugin, options.healthAttempts, 5, 'healthAttempts')),
    healthIntervalSeconds: positiveOption(plugin, options.healthIntervalSeconds, 1, 'healthIntervalSeconds'),
  };
}

/** Where a deployer puts components: both deployers take these options, each with its own defaults and path syntax. */
export interface FolderOptions {
  readonly tempRoot?: string;
  readonly installRoot?: string;
}

/** How a family checks its folder options. */
export interface FolderRules {
  /** The defaults. */
  readonly tempRoot: string;
  readonly installRoot: string;
  /** What a folder must be, as an error says it (`must be an absolute path …`); undefined when `folder` is fine. */
  problem(folder: string): string | undefined;
  /** The folder as the deployer uses it (without a trailing separator). */
  trim(folder: string): string;
}

/** Checks `tempRoot` then `installRoot` for `plugin`: GIPKIT_PLUGIN_INVALID, naming the option and what was found. */
export function checkFolderOptions(plugin: string, options: FolderOptions, rules: FolderRules): { readonly tempRoot: string; readonly installRoot: string } {
  const folder = (what: 'tempRoot' | 'installRoot'): string => {
    const value = options[what] ?? rules[what];
    const problem = rules.problem(value);
    if (problem !== undefined) throw new PluginError(ErrorCode.PluginInvalid, plugin, `${what} ${problem} (found ${JSON.stringify(value)})`);
    return rules.trim(value);
  };
  return { tempRoot: folder('tempRoot'), installRoot: folder('installRoot') };
}
