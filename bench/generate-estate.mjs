// Deterministic synthetic estates for benchmarks: several sites, isolated DMZs,
// both hypervisors, Windows and Linux servers and guests, gMSA overrides.
// CLI: node bench/generate-estate.mjs --vms 100000 --servers 1000 --out DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** mulberry32: a small, fast, seeded PRNG. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, width) => String(n).padStart(width, '0');

export function generateEstate({ vms: vmCount, servers: serverCount, seed = 1 }) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const chance = (p) => rnd() < p;

  // 12 sites, each with 2 to 4 /20 networks; two isolated DMZ /24s.
  const networks = [];
  const siteNetworks = [];
  for (let site = 0; site < 12; site++) {
    const own = [];
    const count = 2 + (site % 3);
    for (let n = 0; n < count; n++) {
      const network = { id: `site${pad(site, 2)}-net${n}`, site: `site${pad(site, 2)}`, cidrs: [`10.${site}.${n * 16}.0/20`] };
      networks.push(network);
      own.push(network);
    }
    siteNetworks.push(own);
  }
  const dmzs = [0, 1].map((d) => ({ id: `dmz${d}`, cidrs: [`172.16.${d}.0/24`], isolated: true }));
  networks.push(...dmzs);
  const addressIn = (network) => {
    const [a, b, c] = network.cidrs[0].split('.');
    const width = network.cidrs[0].endsWith('/24') ? 1 : 16;
    return `${a}.${b}.${Number(c) + Math.floor(rnd() * width)}.${1 + Math.floor(rnd() * 253)}`;
  };

  const hosts = [];
  for (let h = 0; h < 400; h++) {
    hosts.push(h % 3 === 2
      ? { id: `hv-${pad(h, 4)}`, platform: 'hyperv', version: pick(['2012 R2', '2016', '2019', '2022']) }
      : { id: `esx-${pad(h, 4)}`, platform: 'vmware', version: pick(['7.0', '8.0']) });
  }

  const servers = [];
  for (let i = 0; i < serverCount; i++) {
    const first = i === 0;
    const network = pick(pick(siteNetworks));
    const windows = first || chance(0.62);
    const server = { id: `srv-${pad(i + 1, 5)}` };
    if (windows) {
      server.os = { family: 'windows', distro: 'windows-server', version: pick(['2016', '2019', '2022']) };
      server.domain = chance(0.95) ? 'corp.example' : 'lab.example';
      if (chance(0.9)) server.powershell = pick(['5.1', '7.4']);
    } else {
      const distro = pick(['ubuntu', 'debian', 'rhel', 'rocky']);
      server.os = { family: 'linux', distro, version: distro === 'ubuntu' ? '22.04' : distro === 'debian' ? '12' : pick(['8.9', '9.4']) };
      server.packages = (distro === 'rhel' || distro === 'rocky') && chance(0.7) ? ['libmsi1', 'samba-client', 'samba-common-tools'] : [];
      if (chance(0.03)) server.hardened = true;
      if (chance(0.02)) server.appliance = true;
    }
    server.addresses = [addressIn(network)];
    server.roles = first ? ['backup-server'] : [pick(['vmware-proxy', 'hyperv-host', 'repository', 'wan-accelerator'])];
    if (!first && chance(0.02)) server.managed = false;
    server.runningTasks = Math.floor(rnd() * 9);
    servers.push(server);
  }

  const vms = [];
  const vmCredentials = {};
  for (let i = 0; i < vmCount; i++) {
    const id = `vm-${pad(i + 1, 6)}`;
    const roll = rnd();
    const network = roll < 0.03 ? pick(dmzs) : pick(pick(siteNetworks));
    const windows = chance(0.6);
    vms.push({
      id,
      host: pick(hosts).id,
      guest: windows
        ? { family: 'windows', version: pick(['2012 R2', '2016', '2019', '2022', '10', '11']) }
        : { family: 'linux', version: pick(['ubuntu 22.04', 'rhel 9', 'debian 12']) },
      addresses: roll > 0.93 ? [] : [addressIn(network)],
      networks: [],
      tools: chance(0.9),
    });
    if (windows && chance(0.02)) vmCredentials[id] = { kind: 'gmsa', account: 'CORP\\gmsa-bkp$', domain: 'corp.example' };
  }

  const inventory = { backupServer: servers[0].id, license: { kind: 'universal' }, networks, hosts, servers, vms };
  const job = {
    id: `bench-${vmCount}x${serverCount}`,
    vms: vms.map((vm) => vm.id),
    guestProcessing: { applicationAware: true, indexing: true, transactionLogs: false },
    credentials: { kind: 'standard', account: 'CORP\\backup' },
    vmCredentials,
    proxy: { mode: 'automatic' },
    inverseProtocolOrder: false,
  };
  return { inventory, job };
}

export function writeEstate(options, folder) {
  const { inventory, job } = generateEstate(options);
  mkdirSync(folder, { recursive: true });
  const files = { inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') };
  writeFileSync(files.inventory, JSON.stringify(inventory));
  writeFileSync(files.job, JSON.stringify(job));
  return files;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({ options: { vms: { type: 'string' }, servers: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } });
  const files = writeEstate({ vms: Number(values.vms ?? 10000), servers: Number(values.servers ?? 500), seed: Number(values.seed ?? 1) }, values.out ?? 'bench/out/estate');
  console.log(`${files.inventory}\n${files.job}`);
}
