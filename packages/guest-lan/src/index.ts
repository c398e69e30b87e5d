export { LanConnector } from './lan-connector.js';
export type { LanConnectorOptions } from './lan-connector.js';
export { WindowsNetworkOpener } from './windows-network-opener.js';
export type { WindowsNetworkOpenerOptions } from './windows-network-opener.js';
export { WindowsNetworkError, WindowsNetworkFailure, windowsNetworkFailureOf } from './windows-network-transport.js';
export type { WindowsNetworkTarget, WindowsNetworkTransport, WindowsNetworkConnection } from './windows-network-transport.js';
export { quoteWindowsArgument, quoteWindowsProgram, formatWindowsCommandLine, formatCmdArguments } from './windows-command-line.js';
export type { CmdRedirects } from './windows-command-line.js';
export { normalizeWindowsPath, windowsParent } from './windows-path.js';
