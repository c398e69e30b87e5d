export { createSshOpener } from './create-ssh-opener.js';
export type { SshOpenerOptions } from './create-ssh-opener.js';
export { sshTransportPlugin } from './ssh-transport-plugin.js';
export type { SshTransportPluginOptions } from './ssh-transport-plugin.js';
