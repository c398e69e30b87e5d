export { main, help } from './main.js';
export type { CliIo } from './cli-io.js';
export { ExitCode } from './cli-io.js';
export { formatPlanTable } from './commands/plan-command.js';
export { formatExplanation } from './commands/explain-command.js';
