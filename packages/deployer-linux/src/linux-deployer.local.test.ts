import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '@gipkit/testkit';
import { describeDeployer } from '@gipkit/testkit/conformance';
import { LinuxDeployer } from './linux-deployer.js';
import { killGroupsUnder, listFiles, localSession, processGroupsUnder, runHere } from './local-session.fixture.js';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));

/**
 * The conformance suite against this machine: the deployer's real commands
 * (the generated control script, hello-agent's sh scripts) run with /bin/sh,
 * files are written for real, processes are real. tempRoot and installRoot
 * lie under a fresh temporary folder, as they would under a user's home.
 */
describeDeployer('LinuxDeployer on this machine (real /bin/sh, real processes)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'gipkit-linux-deployer-'));
  const guest = join(base, 'guest');
  const installRoot = join(guest, 'opt');
  await mkdir(guest);
  const flag = join(base, 'fail-health');
  const hello = await loadBundle(HELLO_AGENT);
  // The health check fails while the flag file exists (the flag lies outside the listed folder).
  const bundle = {
    ...hello,
    health: { linux: ['/bin/sh', '-c', 'if [ -e "$0" ]; then echo "unhealthy (test fault)" >&2; exit 1; fi; exec /bin/sh health.sh', flag] },
  };
  return {
    deployer: new LinuxDeployer({ tempRoot: join(guest, 'tmp'), installRoot, serviceManager: 'daemon', healthAttempts: 10, healthIntervalSeconds: 0.2 }),
    open: async () => localSession(),
    bundle,
    listing: () => listFiles(guest),
    processes: () => processGroupsUnder(guest),
    failHealth: () => writeFile(flag, ''),
    cleanup: async () => {
      for (const name of existsSync(installRoot) ? await readdir(installRoot) : []) await runHere(['/bin/sh', join(installRoot, name, 'gipkit-service.sh'), 'stop']);
      await killGroupsUnder(guest);
      await rm(base, { recursive: true, force: true });
    },
  };
});
