export { checkBundle, folderSafe } from './check-bundle.js';
export { ControlScriptDeployer, FolderExit, MARKER_FILE } from './control-script-deployer.js';
export type { ControlScriptSpec, ControlScriptFamily, ControlScriptDeployerSettings, FolderRequest, FolderVerb } from './control-script-deployer.js';
export { checkFolderOptions, checkHealthOptions } from './deployer-options.js';
export type { FolderOptions, FolderRules, HealthCheckOptions, HealthCheckSettings } from './deployer-options.js';
export { deployerPlugin } from './deployer-plugin.js';
export { loadBundle } from './load-bundle.js';
