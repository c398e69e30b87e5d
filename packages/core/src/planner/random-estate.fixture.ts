import fc from 'fast-check';

/**
 * Random, valid estates for property tests: 1-6 networks (some isolated, some
 * overlapping), 1-4 hosts of both platforms, 1-12 Windows and Linux servers
 * with random flags, 1-30 VMs, random gMSA overrides, automatic or preferred
 * selection. Everything it builds passes `validateInput`.
 */
export type Obj = Record<string, unknown>;

export interface RandomEstate {
  readonly inventory: {
    readonly backupServer: string;
    readonly license: Obj;
    readonly networks: readonly Obj[];
    readonly hosts: readonly Obj[];
    readonly servers: readonly RandomServer[];
    readonly vms: readonly RandomVm[];
  };
  readonly job: {
    readonly id: string;
    readonly vms: readonly string[];
    readonly guestProcessing: { readonly applicationAware: boolean; readonly indexing: boolean; readonly transactionLogs: boolean };
    readonly credentials: Credentials;
    readonly vmCredentials: Readonly<Record<string, Credentials>>;
    readonly proxy: Obj;
    readonly inverseProtocolOrder: boolean;
  };
}
export interface RandomServer extends Obj {
  readonly id: string;
  readonly os: { readonly family: 'windows' | 'linux'; readonly distro?: string | undefined; readonly version?: string | undefined };
}
export interface RandomVm extends Obj {
  readonly id: string;
  readonly guest: { readonly family: 'windows' | 'linux'; readonly version?: string | undefined };
}
export type Credentials = { readonly kind: 'standard'; readonly account: string } | { readonly kind: 'gmsa'; readonly account: string; readonly domain?: string | undefined };

/** Where a machine is: an address in network n, an address in no network, no address; plus networks it names. */
const placement = (networks: number) =>
  fc.record({
    address: fc.oneof({ weight: 4, arbitrary: fc.nat(networks - 1) }, { weight: 1, arbitrary: fc.constantFrom('outside' as const, 'none' as const) }),
    inner: fc.boolean(),
    named: fc.subarray([...Array(networks).keys()], { maxLength: Math.min(2, networks) }),
  });

const serverOs = fc.oneof(
  fc.record({ family: fc.constant('windows' as const), distro: fc.constantFrom('windows-server', undefined), version: fc.constantFrom('2016', '2019', '2022', undefined) }),
  fc.record({
    family: fc.constant('linux' as const),
    distro: fc.constantFrom('ubuntu', 'rhel', 'RHEL', 'rocky', 'debian', undefined),
    version: fc.constantFrom('8.9', '9', '9.4', '10.0', '22.04', undefined),
  }),
);
const guest = fc.oneof(
  fc.record({ family: fc.constant('windows' as const), version: fc.constantFrom('2012 R2', '2016', '2019', '2022', '10', '11', '8.1', undefined) }),
  fc.record({ family: fc.constant('linux' as const), version: fc.constantFrom('debian 12', '9.4', undefined) }),
);
/** True in `weight` cases out of `weight + 1`. */
const mostly = (value: boolean, weight = 5) => fc.oneof({ weight, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.constant(!value) });

const domain = fc.constantFrom('corp.example', 'CORP.Example', 'lab.example', undefined);
const gmsa = fc.record({ kind: fc.constant('gmsa' as const), account: fc.constant('CORP\\svc$'), domain });

const shape = fc.integer({ min: 1, max: 6 }).chain((networkCount) =>
  fc.record({
    networks: fc.array(fc.record({ isolated: fc.boolean(), site: fc.constantFrom('hq', 'branch', undefined), nested: fc.option(fc.nat(networkCount - 1), { nil: undefined }) }), {
      minLength: networkCount,
      maxLength: networkCount,
    }),
    hosts: fc.array(
      fc.oneof(
        fc.record({ platform: fc.constant('vmware'), version: fc.constantFrom('7.0', '8.0') }),
        fc.record({ platform: fc.constant('hyperv'), version: fc.constantFrom('2012 R2', '2016', '2019', '2022') }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    servers: fc.array(
      fc.record({
        os: serverOs,
        at: placement(networkCount),
        managed: mostly(true),
        hardened: mostly(false, 3),
        appliance: mostly(false, 3),
        packages: fc.subarray(['libmsi1', 'samba-client', 'samba-common-tools', 'curl']),
        domain,
        powershell: fc.constantFrom('5.1', '2.0', '1.0', '7.4', undefined),
        runningTasks: fc.integer({ min: 0, max: 4 }),
      }),
      { minLength: 1, maxLength: 12, size: 'medium' },
    ),
    vms: fc.array(
      fc.record({
        guest,
        host: fc.nat(3),
        at: placement(networkCount),
        tools: mostly(true, 3),
        gmsa: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: gmsa }),
      }),
      { minLength: 1, maxLength: 30, size: 'medium' },
    ),
    backupServer: fc.nat(11),
    license: fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'universal' }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('socket'), edition: fc.constantFrom('standard', 'enterprise', 'enterprise-plus') }) },
    ),
    guestProcessing: fc.oneof(
      { weight: 8, arbitrary: fc.record({ applicationAware: fc.constant(true), indexing: fc.boolean(), transactionLogs: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ applicationAware: fc.boolean(), indexing: fc.boolean(), transactionLogs: fc.boolean() }) },
    ),
    credentials: fc.oneof({ weight: 4, arbitrary: fc.constant({ kind: 'standard' as const, account: 'CORP\\backup' }) }, { weight: 1, arbitrary: gmsa }),
    preferred: fc.option(fc.array(fc.nat(11), { minLength: 1, maxLength: 4 }), { freq: 2, nil: undefined }),
    fallback: fc.constantFrom('backup-server', 'fail'),
    inverseProtocolOrder: fc.boolean(),
  }),
);

function withoutUndefined<T extends Obj>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** Addresses by network: network i is 10.(i+1).0.0/16; a nested CIDR adds a /24 of another network's block. */
function addressOf(at: { address: number | 'outside' | 'none'; inner: boolean }, serial: number): string[] {
  if (at.address === 'none') return [];
  if (at.address === 'outside') return [`192.168.${serial % 250}.${1 + (serial % 200)}`];
  return [`10.${at.address + 1}.${at.inner ? 7 : 0}.${10 + serial}`];
}

export const randomEstate: fc.Arbitrary<RandomEstate> = shape.map((e) => {
  const networks = e.networks.map((n, i) =>
    withoutUndefined({
      id: `net${i}`,
      site: n.site,
      // A nested block: 10.(k+1).7.0/24 lies inside network k's /16, so its addresses are in both networks.
      cidrs: n.nested === undefined || n.nested === i ? [`10.${i + 1}.0.0/16`] : [`10.${i + 1}.0.0/16`, `10.${n.nested + 1}.7.0/24`],
      isolated: n.isolated,
    }),
  );
  const hosts = e.hosts.map((h, i) => ({ id: `host${i}`, ...h }));
  const servers: RandomServer[] = e.servers.map((s, i) =>
    withoutUndefined({
      id: `srv${i}`,
      os: withoutUndefined({ ...s.os }),
      addresses: addressOf(s.at, i),
      networks: s.at.named.map((n) => `net${n}`),
      managed: s.managed,
      hardened: s.os.family === 'linux' && s.hardened,
      appliance: s.os.family === 'linux' && s.appliance,
      packages: s.os.family === 'linux' ? s.packages : [],
      domain: s.os.family === 'windows' ? s.domain : undefined,
      powershell: s.powershell,
      runningTasks: s.runningTasks,
    }),
  );
  const vms: RandomVm[] = e.vms.map((v, i) =>
    withoutUndefined({
      id: `vm${i}`,
      host: `host${v.host % hosts.length}`,
      guest: withoutUndefined({ ...v.guest }),
      addresses: addressOf(v.at, 100 + i),
      networks: v.at.named.map((n) => `net${n}`),
      tools: v.tools,
    }),
  );
  const vmCredentials = Object.fromEntries(e.vms.flatMap((v, i) => (v.gmsa === undefined ? [] : [[`vm${i}`, withoutUndefined({ ...v.gmsa })]])));
  const preferred = e.preferred === undefined ? undefined : [...new Set(e.preferred.map((i) => `srv${i % servers.length}`))];
  return {
    inventory: { backupServer: `srv${e.backupServer % servers.length}`, license: e.license, networks, hosts, servers, vms },
    job: {
      id: 'random',
      vms: vms.map((vm) => vm.id),
      guestProcessing: e.guestProcessing,
      credentials: withoutUndefined({ ...e.credentials }) as Credentials,
      vmCredentials,
      proxy: preferred === undefined ? { mode: 'automatic' } : { mode: 'preferred', servers: preferred, fallback: e.fallback },
      inverseProtocolOrder: e.inverseProtocolOrder,
    },
  };
});
