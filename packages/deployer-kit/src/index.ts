export { checkBundle, folderSafe, RESERVED_BUNDLE_NAMES, reservedBundleName } from './check-bundle.js';
export { ControlScriptDeployer, FolderExit, MARKER_FILE } from './control-script-deployer.js';
export type { ControlScriptSpec, ControlScriptFamily, ControlScriptDeployerSettings, FolderRequest, FolderVerb } from './control-script-deployer.js';
export { checkFolderOptions, checkHealthOptions } from './deployer-options.js';
export type { FolderOptions, FolderRules, HealthCheckOptions, HealthCheckSettings } from './deployer-options.js';
export { deployerPlugin } from './deployer-plugin.js';
export { BUNDLE_FILE_MAX_BYTES, loadBundle, MANIFEST_MAX_BYTES } from './load-bundle.js';
export type { LoadBundleOptions } from './load-bundle.js';
export { BUNDLE_CHUNK_BYTES } from './bundle-file-source.js';
