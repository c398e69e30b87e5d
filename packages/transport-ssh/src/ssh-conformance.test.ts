import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ConnectRequest, GuestConnector } from '@gipkit/plugin-api';
import { describeConnector } from '@gipkit/testkit/conformance';
import { connectRequestFor, startSshServer, type SshServer } from '../../../test/ssh/ssh-server.js';
import { closedPort, startSilentServer, type SilentServer } from '../../../test/ssh/tcp-fixtures.js';
import { createSshOpener } from './index.js';

// The GuestConnector conformance suite of @gipkit/testkit, over a real OpenSSH server:
// the opener wrapped as the connector a VMware LAN connection would route Linux guests to.

let server: SshServer;
let silent: SilentServer;
let refusedPort: number;
let scratchFolder: string;

beforeAll(async () => {
  server = await startSshServer();
  silent = await startSilentServer('127.0.0.5');
  refusedPort = await closedPort(server.address);
  scratchFolder = join(server.home, `gipkit-conformance-${randomUUID().slice(0, 8)}`);
  await writeFile(join(server.dir, 'known_hosts'), `${server.knownHostsLine}\n`);
}, 60_000);

afterAll(async () => {
  if (scratchFolder !== undefined) await rm(scratchFolder, { recursive: true, force: true });
  await silent?.stop();
  await server?.stop();
});

describeConnector('@gipkit/transport-ssh (vmware lan, Linux guest)', async () => {
  const opener = createSshOpener({ knownHostsFile: join(server.dir, 'known_hosts') });
  const connector: GuestConnector = { platform: 'vmware', method: 'lan', connect: (request, options) => opener.open(request, 'lan', options) };
  const reachable: ConnectRequest = connectRequestFor(server);
  return {
    connector,
    reachable,
    refused: { ...reachable, sshPort: refusedPort },
    hanging: { ...reachable, addresses: [silent.address], sshPort: silent.port },
    scratchPath: join(scratchFolder, 'scratch.txt'),
  };
});
