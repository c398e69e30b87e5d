export { createSshOpener } from './create-ssh-opener.js';
export type { SshOpenerOptions } from './create-ssh-opener.js';
