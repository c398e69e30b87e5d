export { main, help } from './main.js';
export type { CliIo } from './cli-io.js';
export { ExitCode } from './cli-io.js';
export { formatPlanTable } from './commands/format-plan.js';
export { formatExplanation } from './commands/format-explanation.js';
