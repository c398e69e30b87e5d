// The LAN connector (routes each guest by its OS family to an opener) is connector-kit's; guest-lan is where
// products and hypervisor plugins find it beside the Windows-network opener.
export { LanConnector } from '@gipkit/connector-kit';
export type { LanConnectorOptions } from '@gipkit/connector-kit';
export { WindowsNetworkOpener } from './windows-network-opener.js';
export type { WindowsNetworkOpenerOptions } from './windows-network-opener.js';
export { WindowsNetworkError, WindowsNetworkFailure, windowsNetworkFailureOf } from './windows-network-transport.js';
export type { WindowsNetworkTarget, WindowsNetworkTransport, WindowsNetworkConnection } from './windows-network-transport.js';
export { lanConnectorProvider } from './lan-connector-provider.js';
export type { LanConnectorProviderOptions } from './lan-connector-provider.js';
