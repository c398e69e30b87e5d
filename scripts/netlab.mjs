// Brings the agents' lab of real hosts up for a person to watch (issue #11): network namespaces on this machine
// (addresses from 198.18.0.0/15 only, nothing linked to its own network), Redis and the backup server's agent in
// HQ, a proxy running `gipkit agent` and an OpenSSH guest at each of two sites; site B's guest refuses its proxy.
// It runs the job once with live progress, says from the guests' own sshd logs who reached whom, then waits:
// Enter runs the job again, `q`, the end of input or Ctrl-C takes everything down. `--once` runs it once and takes it
// down.
//
// As root, after `pnpm build` (or `pnpm netlab`), with Debian's redis-server, openssh-server, nftables, iproute2.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const once = process.argv.includes('--once');
const fail = (message) => {
  process.stderr.write(`netlab: ${message}\n`);
  process.exit(1);
};

if (process.getuid?.() !== 0) fail('the lab needs root (network namespaces, nftables, a guest user): run it with sudo');
const missing = ['/usr/sbin/ip', '/usr/sbin/nft', '/usr/sbin/sshd', '/usr/bin/redis-server', '/usr/bin/redis-cli'].filter((program) => !existsSync(program) && !existsSync(program.replace('/usr/sbin/', '/sbin/')));
if (missing.length > 0) fail(`missing ${missing.join(', ')}: apt-get install -y --no-install-recommends redis-server openssh-server nftables iproute2`);
if (!existsSync(join(root, 'packages/cli/dist/bin.js'))) fail('the CLI is not built: run `pnpm build` first (or `pnpm netlab`)');

// The lab's code is the tests' own (test/netlab/agents-lab.ts): compiled here to a scratch folder, then loaded.
const compiled = mkdtempSync(join(tmpdir(), 'gipkit-netlab-code-'));
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--outDir', compiled, '--rootDir', join(root, 'test'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--skipLibCheck', '--types', 'node', join(root, 'test/netlab/agents-lab.ts')], { cwd: root, encoding: 'utf8' });
if (tsc.status !== 0) fail(`compiling test/netlab/agents-lab.ts failed:\n${tsc.stdout}${tsc.stderr}`);
const { buildAgentsLab, sources } = await import(pathToFileURL(join(compiled, 'netlab/agents-lab.js')).href);

const bundle = join(root, 'examples/bundles/hello-agent');
const who = new Map([['198.18.0.2', 'vbr, the backup server'], ['198.18.1.2', 'proxy-a'], ['198.18.2.2', 'proxy-b']]);
let lab;
let downing;
/** Takes the lab down once; every caller waits for the same teardown. */
const takeDown = () => (downing ??= (async () => {
  if (lab !== undefined) {
    await Promise.all([...lab.running].map((agent) => agent.stop()));
    await lab.teardown();
  }
  rmSync(compiled, { recursive: true, force: true });
})());
// Ctrl-C (or SIGTERM, SIGHUP) at any moment: the main flow stops at its next step and takes the lab down, also while
// the lab is still coming up; the job's coordinator gets the same signal and cancels. Repeats are ignored.
let interrupted = false;
let lines;
const interrupt = () => {
  interrupted = true;
  lines?.close();
};
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, interrupt);

/** One run of the job, its progress on this terminal; then who reached each guest, by the guest's sshd log. */
async function runJob() {
  const from = [lab.guestA.log().length, lab.guestB.log().length];
  const child = lab.lab.spawn('hq', [process.execPath, ...lab.coordinatorArgs(bundle)], { cwd: root, env: lab.env, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  console.log('\nWho reached each guest, from its own sshd log:');
  for (const [name, guest, index] of [['guest-a', lab.guestA, 0], ['guest-b', lab.guestB, 1]]) {
    const reached = sources(guest.log().slice(from[index]));
    console.log(`  ${name}: reached from ${reached.map((address) => `${address} (${who.get(address) ?? 'unknown'})`).join(', ') || 'nobody'}`);
  }
  return code;
}

let code = 1;
let failure;
try {
  lab = await buildAgentsLab(root);
  const prefix = lab.lab.prefix;
  if (!interrupted) await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
  // The throwaway Redis password goes to a file of the lab (0600), never to the terminal.
  const passwordFile = join(lab.scratch, 'redis-password');
  writeFileSync(passwordFile, lab.password, { mode: 0o600 });
  if (!interrupted) {
    console.log([
      `The lab is up: network namespaces ${prefix}-*, addresses in 198.18.0.0/15, nothing linked to this machine's network.`,
      '  hq       198.18.0.2  Redis on 6390, the coordinator, agent-vbr (the backup server\'s agent)',
      '  proxy-a  198.18.1.2  agent-proxy-a',
      '  guest-a  198.18.1.3  OpenSSH on 2222',
      '  proxy-b  198.18.2.2  agent-proxy-b',
      '  guest-b  198.18.2.3  OpenSSH on 2222, refusing proxy-b (nftables): its VM fails over to the backup server',
      '',
      'Running the job nightly (guest-a, guest-b) with gipkit run --queue:',
    ].join('\n'));
    code = await runJob();
  }
  if (!once && !interrupted) {
    console.log([
      '',
      'The lab stays up. In another terminal, for example:',
      `  ip netns exec ${prefix}-hq env REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -h 198.18.0.2 -p 6390 zrange gipkit:agents 0 -1`,
      `  ip netns exec ${prefix}-guest-b nft list ruleset`,
      `  ip netns exec ${prefix}-proxy-a ping -c1 198.18.1.3`,
      'Enter runs the job again; q then Enter (or Ctrl-C) takes the lab down.',
    ].join('\n'));
    lines = createInterface({ input: process.stdin });
    lines.on('SIGINT', interrupt);
    for await (const line of lines) {
      if (line.trim() === 'q' || interrupted) break;
      code = await runJob();
      if (interrupted) break;
      console.log('Enter runs the job again; q then Enter (or Ctrl-C) takes the lab down.');
    }
    lines.close();
  }
} catch (error) {
  failure = error;
} finally {
  await takeDown();
  console.log('The lab is down: its namespaces, processes and files are gone.');
}
// A signal that came during a synchronous step is handled once the event loop turns: let it.
await new Promise((resolve) => setTimeout(resolve, 50));
// Interrupted: whatever failed on the way failed because of it (Ctrl-C reaches every process of the terminal).
if (interrupted) process.exit(130);
if (failure !== undefined) {
  process.stderr.write(`netlab: ${failure instanceof Error ? failure.message : String(failure)}\n`);
  process.exit(1);
}
process.exit(code ?? 1);
