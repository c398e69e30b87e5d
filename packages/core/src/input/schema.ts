import { z } from 'zod';

/**
 * One schema for inventories and jobs, in YAML or JSON. Unknown keys are
 * errors (a misspelt `hardend: true` must not pass silently). Cross-references
 * (hosts, networks, servers, VMs), addresses and platforms are checked after
 * the shape, in `check-references.ts`.
 */
const id = z.string().min(1, 'must be a non-empty id');
const ids = z.array(id);
const osFamily = z.enum(['windows', 'linux'], { error: 'unknown OS family; expected windows or linux' });

export const licenseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('universal') }),
  z.strictObject({ kind: z.literal('socket'), edition: z.enum(['standard', 'enterprise', 'enterprise-plus']) }),
]);

export const networkSchema = z.strictObject({
  id,
  site: id.optional(),
  cidrs: z.array(z.string()).min(1, 'a network needs at least one CIDR'),
  isolated: z.boolean().default(false),
});

export const hostSchema = z.strictObject({
  id,
  platform: id.describe('vmware, hyperv, or a platform a plugin adds'),
  version: z.string().min(1),
  site: id.optional(),
});

export const serverSchema = z.strictObject({
  id,
  os: z.strictObject({ family: osFamily, distro: z.string().min(1).optional(), version: z.string().min(1).optional() }),
  addresses: z.array(z.string()).default([]),
  networks: ids.default([]),
  roles: z.array(z.string()).default([]),
  managed: z.boolean().default(true),
  hardened: z.boolean().default(false),
  appliance: z.boolean().default(false),
  packages: z.array(z.string()).default([]),
  domain: z.string().min(1).optional(),
  powershell: z.string().min(1).optional(),
  runningTasks: z.number().int().min(0).default(0),
});

export const vmSchema = z.strictObject({
  id,
  host: id,
  guest: z.strictObject({ family: osFamily, version: z.string().min(1).optional() }),
  addresses: z.array(z.string()).default([]),
  networks: ids.default([]),
  tools: z.boolean().default(true),
  sshPort: z.number().int().min(1).max(65535).optional(),
});

export const inventorySchema = z
  .strictObject({
    backupServer: id,
    license: licenseSchema.default({ kind: 'universal' }),
    networks: z.array(networkSchema).default([]),
    hosts: z.array(hostSchema),
    servers: z.array(serverSchema).min(1, 'the inventory needs at least the backup server'),
    vms: z.array(vmSchema),
  })
  .describe('gipkit inventory: networks, hypervisor hosts, managed servers and VMs');

/** A reference to a secret: the name of an environment variable or the path of a file; never the secret. */
export const secretSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
]);

export const credentialsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('standard'), account: z.string().min(1), secret: secretSchema.optional() }),
  z.strictObject({ kind: z.literal('gmsa'), account: z.string().min(1), domain: z.string().min(1).optional() }),
]);

export const jobSchema = z
  .strictObject({
    id,
    vms: ids,
    guestProcessing: z
      .strictObject({
        applicationAware: z.boolean().default(false),
        indexing: z.boolean().default(false),
        transactionLogs: z.boolean().default(false),
      })
      .default({ applicationAware: false, indexing: false, transactionLogs: false }),
    credentials: credentialsSchema,
    vmCredentials: z.record(id, credentialsSchema).default({}),
    proxy: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('automatic') }),
        z.strictObject({
          mode: z.literal('preferred'),
          servers: ids.min(1, 'preferred mode needs at least one server'),
          fallback: z.enum(['backup-server', 'fail']).default('backup-server'),
        }),
      ])
      .default({ mode: 'automatic' }),
    inverseProtocolOrder: z.boolean().default(false),
    onGuestProcessingFailure: z.enum(['fail-vm', 'continue-crash-consistent']).default('fail-vm'),
    runtimeComponents: z.enum(['non-persistent', 'persistent']).default('non-persistent'),
  })
  .describe('gipkit backup job: the VMs to process, guest processing, credentials and proxy selection');

export type InventoryInput = z.input<typeof inventorySchema>;
export type JobInput = z.input<typeof jobSchema>;
