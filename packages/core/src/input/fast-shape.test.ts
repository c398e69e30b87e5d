import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastInventory, fastJob } from './fast-shape.js';
import { inputSchemas } from './schema.js';

const { inventorySchema, jobSchema } = inputSchemas();

// The fast path must accept exactly what the zod schema accepts, and build the same value.

const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant('x'), fc.constant([]), fc.constant({}), fc.constant(['a', 1]));

/** A valid value, or one with a field replaced by junk, deleted, or an unknown key added. */
function mutated<T extends Record<string, unknown>>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    valid.chain((value) => {
      const keys = Object.keys(value);
      if (keys.length === 0) return fc.constant<unknown>(value);
      return fc.tuple(fc.constantFrom(...keys), junk, fc.constantFrom('replace', 'delete', 'extra')).map(([key, replacement, how]) => {
        if (how === 'delete') return Object.fromEntries(Object.entries(value).filter(([name]) => name !== key));
        return how === 'replace' ? { ...value, [key]: replacement } : { ...value, extraKey: replacement };
      });
    }),
  );
}

const id = fc.constantFrom('a', 'b', 'vbr');
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const strip = <T extends Record<string, unknown>>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const server = mutated(
  fc.record({
    id,
    os: mutated(fc.record({ family: fc.constantFrom('windows', 'linux'), distro: optional(fc.constantFrom('rhel', 'ubuntu')), version: optional(fc.constantFrom('9', '2019')) }).map(strip)),
    addresses: optional(fc.array(fc.constantFrom('10.0.0.1', 'x'), { maxLength: 2 })),
    networks: optional(fc.array(id, { maxLength: 2 })),
    roles: optional(fc.array(fc.constantFrom('repository'), { maxLength: 1 })),
    managed: optional(fc.boolean()),
    hardened: optional(fc.boolean()),
    appliance: optional(fc.boolean()),
    packages: optional(fc.array(fc.constantFrom('libmsi1'), { maxLength: 1 })),
    domain: optional(fc.constantFrom('corp.example')),
    powershell: optional(fc.constantFrom('5.1')),
    runningTasks: optional(fc.oneof(fc.nat(5), fc.constant(1.5), fc.constant(-1))),
  }).map(strip),
);
const vm = mutated(
  fc.record({
    id,
    host: id,
    guest: mutated(fc.record({ family: fc.constantFrom('windows', 'linux'), version: optional(fc.constantFrom('2019')) }).map(strip)),
    addresses: optional(fc.array(fc.constantFrom('10.0.0.1'), { maxLength: 2 })),
    networks: optional(fc.array(id, { maxLength: 1 })),
    tools: optional(fc.boolean()),
    sshPort: optional(fc.constantFrom(22, 2222, 0, 70000, 22.5, '22')),
  }).map(strip),
);
const inventory = mutated(
  fc.record({
    backupServer: id,
    license: optional(fc.oneof(fc.constant({ kind: 'universal' }), fc.record({ kind: fc.constant('socket'), edition: fc.constantFrom('standard', 'enterprise', 'gold') }))),
    networks: optional(fc.array(mutated(fc.record({ id, site: optional(id), cidrs: fc.array(fc.constantFrom('10.0.0.0/8'), { maxLength: 2 }), isolated: optional(fc.boolean()) }).map(strip)), { maxLength: 2 })),
    hosts: fc.array(mutated(fc.record({ id, platform: fc.constantFrom('vmware', ''), version: fc.constantFrom('8.0') })), { maxLength: 2 }),
    servers: fc.array(server, { maxLength: 3 }),
    vms: fc.array(vm, { maxLength: 3 }),
  }).map(strip),
);
const credentials = mutated(
  fc.oneof(
    fc.record({
      kind: fc.constant('standard'),
      account: fc.constantFrom('x', ''),
      secret: optional(fc.constantFrom({ env: 'GUEST_KEY' }, { env: '1BAD' }, { file: '/run/secrets/k' }, { file: '' }, { env: 'A', file: 'b' }, 'hunter2')),
    }).map(strip),
    fc.record({ kind: fc.constant('gmsa'), account: fc.constant('g$'), domain: optional(fc.constantFrom('corp.example', '')) }).map(strip),
  ),
);
const job = mutated(
  fc.record({
    id,
    vms: fc.array(id, { maxLength: 3 }),
    guestProcessing: optional(mutated(fc.record({ applicationAware: optional(fc.boolean()), indexing: optional(fc.boolean()) }).map(strip))),
    credentials,
    vmCredentials: optional(fc.dictionary(id, credentials, { maxKeys: 2 })),
    proxy: optional(
      fc.oneof(
        fc.constant({ mode: 'automatic' }),
        fc.record({ mode: fc.constant('preferred'), servers: fc.array(id, { maxLength: 2 }), fallback: optional(fc.constantFrom('backup-server', 'fail', 'maybe')) }).map(strip),
      ),
    ),
    inverseProtocolOrder: optional(fc.boolean()),
    onGuestProcessingFailure: optional(fc.constantFrom('fail-vm', 'continue-crash-consistent', 'ignore')),
    runtimeComponents: optional(fc.constantFrom('non-persistent', 'persistent', 'sometimes')),
  }).map(strip),
);

describe('fast shape path', () => {
  it('null is a wrong type, not a missing value that takes the default (found by the property below)', () => {
    const inventory = { backupServer: 'a', hosts: [], servers: [{ id: 'a', os: { family: 'linux' }, runningTasks: null }], vms: [] };
    expect(inventorySchema.safeParse(inventory).success).toBe(false);
    expect(fastInventory(inventory)).toBeUndefined();
    const job = { id: 'j', vms: [], credentials: { kind: 'standard', account: 'x' }, proxy: { mode: 'preferred', servers: ['a'], fallback: null } };
    expect(jobSchema.safeParse(job).success).toBe(false);
    expect(fastJob(job)).toBeUndefined();
  });

  it('agrees with the inventory schema', () => {
    fc.assert(
      fc.property(inventory, (data) => {
        const reference = inventorySchema.safeParse(data);
        expect(fastInventory(data)).toEqual(reference.success ? reference.data : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the inventory schema when it checks parsed data in place, and a doubt leaves data zod reads the same', () => {
    fc.assert(
      fc.property(inventory, (data) => {
        const reference = inventorySchema.safeParse(data);
        const parsed: unknown = structuredClone(data);
        expect(fastInventory(parsed, true)).toEqual(reference.success ? reference.data : undefined);
        const again = inventorySchema.safeParse(parsed);
        expect(again.success ? again.data : again.error.issues).toEqual(reference.success ? reference.data : reference.error.issues);
      }),
      { numRuns: 1000 },
    );
  });

  it('null is a wrong type in a VM\'s lists too, copied or in place', () => {
    const inventory = (): unknown => ({ backupServer: 'a', hosts: [], servers: [{ id: 'a', os: { family: 'linux' } }], vms: [{ id: 'v', host: 'h', guest: { family: 'linux' }, addresses: null }] });
    expect(inventorySchema.safeParse(inventory()).success).toBe(false);
    expect(fastInventory(inventory())).toBeUndefined();
    expect(fastInventory(inventory(), true)).toBeUndefined();
  });

  it('leaves data it does not own as it was', () => {
    fc.assert(
      fc.property(inventory, (data) => {
        const before = JSON.stringify(data);
        fastInventory(data);
        expect(JSON.stringify(data)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the job schema', () => {
    fc.assert(
      fc.property(job, (data) => {
        const reference = jobSchema.safeParse(data);
        expect(fastJob(data)).toEqual(reference.success ? reference.data : undefined);
      }),
      { numRuns: 1000 },
    );
  });
});
