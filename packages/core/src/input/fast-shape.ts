import type { Credentials, Inventory, Job, SecretSource, Vm } from '@gipkit/plugin-api';
import { SECRET_KIND } from './secret-kind.js';

/**
 * The fast path of shape validation, for large well-formed estates: checks
 * exactly what `schema.ts` checks and builds the same normalised value
 * (defaults filled, optional keys absent). It returns undefined at the first
 * doubt; the zod schema then runs and reports every problem with its place.
 * A property test keeps the two in agreement.
 */
type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const onlyKeys = (value: Obj, keys: ReadonlySet<string>): boolean => {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
};

class Doubt extends Error {}
const doubt = (): never => {
  throw new Doubt();
};

/** A list of ids; absent means empty. */
function ids(value: unknown): string[] {
  return value === undefined ? [] : requiredIds(value);
}

function requiredIds(value: unknown): string[] {
  if (!Array.isArray(value)) return doubt();
  for (const item of value) if (!isId(item)) doubt();
  return value.slice() as string[];
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return doubt();
  for (const item of value) if (typeof item !== 'string') doubt();
  return value.slice() as string[];
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : doubt();
}

function optionalId<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  if (value === undefined) return {};
  return isId(value) ? ({ [key]: value } as { [P in K]: string }) : doubt();
}

function object(value: unknown, keys: ReadonlySet<string>): Obj {
  return isObject(value) && onlyKeys(value, keys) ? value : doubt();
}

function family(value: unknown): 'windows' | 'linux' {
  return value === 'windows' || value === 'linux' ? value : doubt();
}

const ROOT = new Set(['backupServer', 'license', 'networks', 'hosts', 'servers', 'vms']);
const NETWORK = new Set(['id', 'site', 'cidrs', 'isolated']);
const HOST = new Set(['id', 'platform', 'version', 'site']);
const SERVER = new Set(['id', 'os', 'addresses', 'networks', 'roles', 'managed', 'hardened', 'appliance', 'packages', 'domain', 'powershell', 'runningTasks']);
const SERVER_OS = new Set(['family', 'distro', 'version']);
const VM = new Set(['id', 'host', 'guest', 'addresses', 'networks', 'tools', 'sshPort']);
const GUEST = new Set(['family', 'version']);
const EDITIONS = new Set(['standard', 'enterprise', 'enterprise-plus']);

function license(value: unknown): Inventory['license'] {
  if (value === undefined) return { kind: 'universal' };
  const record = isObject(value) ? value : doubt();
  if (record.kind === 'universal' && onlyKeys(record, new Set(['kind']))) return { kind: 'universal' };
  if (record.kind === 'socket' && onlyKeys(record, new Set(['kind', 'edition'])) && EDITIONS.has(record.edition as string)) {
    return { kind: 'socket', edition: record.edition as 'standard' };
  }
  return doubt();
}

/** Shared by every VM that lists no addresses or networks: the inventory is read-only once validated. */
const NONE: readonly string[] = Object.freeze([]);

/** Every item is a string; the list itself is kept (no copy). */
function stringsInPlace(value: unknown, item: (value: unknown) => boolean): readonly string[] {
  if (value === undefined) return NONE;
  if (!Array.isArray(value)) return doubt();
  for (const entry of value) if (!item(entry)) doubt();
  return value as string[];
}
const isString = (value: unknown): boolean => typeof value === 'string';

/**
 * The VMs, checked where they lie: defaults are filled into the parsed objects
 * and nothing is copied (100,000 VMs were 22 MB of copies). Only values the
 * schema would give are written, so a doubt half-way leaves data that zod
 * reads exactly as it would have read the file.
 */
function vmsInPlace(vms: unknown[]): Vm[] {
  for (const item of vms) {
    const vm = object(item, VM);
    if (!isId(vm.id) || !isId(vm.host)) doubt();
    const guest = object(vm.guest, GUEST);
    family(guest.family);
    if (guest.version !== undefined && !isId(guest.version)) doubt();
    vm.addresses = stringsInPlace(vm.addresses, isString);
    vm.networks = stringsInPlace(vm.networks, isId);
    vm.tools = flag(vm.tools, true);
    if (vm.sshPort !== undefined) port(vm.sshPort);
  }
  return vms as Vm[];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : doubt();
}

/**
 * A VM of data that is not ours to change (an embedder's), copied so that the
 * in-place check fills the copy: the VM, its guest and its lists are new, and
 * a list it does not give is a fresh empty one. Anything that is not a VM is
 * left for the check to doubt.
 */
function copiedVm(item: unknown): unknown {
  if (!isObject(item)) return item;
  const copy: Obj = { ...item };
  if (isObject(item.guest)) copy.guest = { ...item.guest };
  for (const key of ['addresses', 'networks'] as const) copy[key] = Array.isArray(item[key]) ? [...(item[key] as unknown[])] : item[key] === undefined ? [] : item[key];
  return copy;
}

/**
 * The inventory, or undefined at the first doubt. With `inPlace` (data parsed
 * from a file, nobody else's) the VMs are checked where they lie; otherwise
 * every value is copied, and the caller's data is left as it was.
 */
export function fastInventory(data: unknown, inPlace = false): Inventory | undefined {
  try {
    const root = object(data, ROOT);
    if (!isId(root.backupServer)) doubt();
    const servers = list(root.servers);
    if (servers.length === 0) doubt();
    return {
      backupServer: root.backupServer as string,
      license: license(root.license),
      networks: (root.networks === undefined ? [] : list(root.networks)).map((item) => {
        const network = object(item, NETWORK);
        const cidrs = strings(network.cidrs === undefined ? doubt() : network.cidrs);
        if (cidrs.length === 0) doubt();
        return { id: isId(network.id) ? network.id : doubt(), ...optionalId('site', network.site), cidrs, isolated: flag(network.isolated, false) };
      }),
      hosts: list(root.hosts).map((item) => {
        const host = object(item, HOST);
        return {
          id: isId(host.id) ? host.id : doubt(),
          platform: isId(host.platform) ? host.platform : doubt(),
          version: isId(host.version) ? host.version : doubt(),
          ...optionalId('site', host.site),
        };
      }),
      servers: servers.map((item) => {
        const server = object(item, SERVER);
        const os = object(server.os, SERVER_OS);
        // Only a missing value takes the default: null is a wrong type, as the schema says.
        const runningTasks = server.runningTasks === undefined ? 0 : server.runningTasks;
        if (typeof runningTasks !== 'number' || !Number.isSafeInteger(runningTasks) || runningTasks < 0) doubt();
        return {
          id: isId(server.id) ? server.id : doubt(),
          os: { family: family(os.family), ...optionalId('distro', os.distro), ...optionalId('version', os.version) },
          addresses: strings(server.addresses),
          networks: ids(server.networks),
          roles: strings(server.roles),
          managed: flag(server.managed, true),
          hardened: flag(server.hardened, false),
          appliance: flag(server.appliance, false),
          packages: strings(server.packages),
          ...optionalId('domain', server.domain),
          ...optionalId('powershell', server.powershell),
          runningTasks: runningTasks as number,
        };
      }),
      vms: vmsInPlace(inPlace ? list(root.vms) : list(root.vms).map(copiedVm)),
    };
  } catch (error) {
    if (error instanceof Doubt) return undefined;
    throw error;
  }
}

const JOB = new Set(['id', 'vms', 'guestProcessing', 'credentials', 'vmCredentials', 'proxy', 'inverseProtocolOrder', 'onGuestProcessingFailure', 'runtimeComponents']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function port(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535 ? value : doubt();
}

function secret(value: unknown): SecretSource {
  const record = isObject(value) ? value : doubt();
  if (onlyKeys(record, new Set(['env'])) && typeof record.env === 'string' && ENV_NAME.test(record.env)) return { env: record.env };
  if (onlyKeys(record, new Set(['file'])) && typeof record.file === 'string' && record.file.length > 0) return { file: record.file };
  const keys = Object.keys(record);
  const [kind] = keys;
  if (keys.length === 1 && kind !== undefined && kind !== 'env' && kind !== 'file' && SECRET_KIND.test(kind)) {
    const where = record[kind];
    if (typeof where === 'string' && where.length > 0) return { [kind]: where };
  }
  return doubt();
}

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  return allowed.includes(value as T) ? (value as T) : doubt();
}
const PROCESSING = new Set(['applicationAware', 'indexing', 'transactionLogs']);

function credentials(value: unknown): Credentials {
  const record = isObject(value) ? value : doubt();
  const account = typeof record.account === 'string' && record.account.length > 0 ? record.account : doubt();
  if (record.kind === 'standard' && onlyKeys(record, new Set(['kind', 'account', 'secret']))) {
    return { kind: 'standard', account, ...(record.secret === undefined ? {} : { secret: secret(record.secret) }) };
  }
  if (record.kind === 'gmsa' && onlyKeys(record, new Set(['kind', 'account', 'domain']))) {
    if (record.domain !== undefined && !(typeof record.domain === 'string' && record.domain.length > 0)) doubt();
    return { kind: 'gmsa', account, ...(record.domain === undefined ? {} : { domain: record.domain as string }) };
  }
  return doubt();
}

function proxy(value: unknown): Job['proxy'] {
  if (value === undefined) return { mode: 'automatic' };
  const record = isObject(value) ? value : doubt();
  if (record.mode === 'automatic' && onlyKeys(record, new Set(['mode']))) return { mode: 'automatic' };
  if (record.mode === 'preferred' && onlyKeys(record, new Set(['mode', 'servers', 'fallback']))) {
    const servers = requiredIds(record.servers);
    if (servers.length === 0) doubt();
    const fallback = record.fallback === undefined ? 'backup-server' : record.fallback;
    if (fallback !== 'backup-server' && fallback !== 'fail') doubt();
    return { mode: 'preferred', servers, fallback: fallback as 'backup-server' | 'fail' };
  }
  return doubt();
}

export function fastJob(data: unknown): Job | undefined {
  try {
    const root = object(data, JOB);
    const processing = root.guestProcessing === undefined ? {} : object(root.guestProcessing, PROCESSING);
    // Null prototype: a VM id such as `__proto__` or `constructor` is an own key like any other.
    const vmCredentials = Object.create(null) as Record<string, Credentials>;
    if (root.vmCredentials !== undefined) {
      const record = isObject(root.vmCredentials) ? root.vmCredentials : doubt();
      for (const vm in record) vmCredentials[isId(vm) ? vm : doubt()] = credentials(record[vm]);
    }
    return {
      id: isId(root.id) ? root.id : doubt(),
      vms: requiredIds(root.vms),
      guestProcessing: {
        applicationAware: flag(processing.applicationAware, false),
        indexing: flag(processing.indexing, false),
        transactionLogs: flag(processing.transactionLogs, false),
      },
      credentials: credentials(root.credentials),
      vmCredentials,
      proxy: proxy(root.proxy),
      inverseProtocolOrder: flag(root.inverseProtocolOrder, false),
      onGuestProcessingFailure: choice(root.onGuestProcessingFailure, ['fail-vm', 'continue-crash-consistent'], 'fail-vm'),
      runtimeComponents: choice(root.runtimeComponents, ['non-persistent', 'persistent'], 'non-persistent'),
    };
  } catch (error) {
    if (error instanceof Doubt) return undefined;
    throw error;
  }
}
