export { SimulatedPowerShellDirect } from './simulated-power-shell-direct.js';
export type { SimulatedPowerShellDirectFault, SimulatedPowerShellDirectOptions, PowerShellDirectOperation } from './simulated-power-shell-direct.js';
export { interpretPowerShellScript, readPowerShellString } from './power-shell-parser.js';
export type { PowerShellAction } from './power-shell-parser.js';
