import type * as Zod from 'zod';
import { SECRET_KIND } from './secret-kind.js';
import { zod } from './zod.js';

/**
 * One schema for inventories and jobs, in YAML or JSON. Unknown keys are
 * errors (a misspelt `hardend: true` must not pass silently). Cross-references
 * (hosts, networks, servers, VMs), addresses and platforms are checked after
 * the shape, in `check-references.ts`.
 *
 * Every field carries a description: `gipkit schema` prints them, and editors
 * show them on hover (a test fails on a field without one).
 *
 * Built on first use (`inputSchemas()`): zod is loaded only when a document
 * leaves the fast path (`fast-shape.ts`), or for `gipkit schema`.
 */
function build(z: typeof Zod.z) {
  const id = z.string().min(1, 'must be a non-empty id');
  const ids = z.array(id);
  const osFamily = z.enum(['windows', 'linux'], { error: 'unknown OS family; expected windows or linux' });

  const licenseSchema = z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('universal').describe('Universal License: guest interaction proxies may be used.') }),
      z.strictObject({
        kind: z.literal('socket').describe('Socket-based license; its edition decides.'),
        edition: z
          .enum(['standard', 'enterprise', 'enterprise-plus'])
          .describe('Socket license edition. Under standard the backup server does all guest interaction itself.'),
      }),
    ])
    .describe('The backup product license: { kind: universal } (default) or { kind: socket, edition }.');

  const networkSchema = z.strictObject({
    id: id.describe('Unique among networks.'),
    site: id.describe('The site the network belongs to; sites group networks (fact pair.sameSite).').optional(),
    cidrs: z
      .array(z.string().describe('An IPv4 or IPv6 CIDR, such as 10.1.0.0/16.'))
      .min(1, 'a network needs at least one CIDR')
      .describe('The address blocks of the network (IPv4 or IPv6 CIDRs), at least one.'),
    isolated: z.boolean().default(false).describe('Reachable only from inside this network.'),
  });

  const hostSchema = z.strictObject({
    id: id.describe('Unique among hosts.'),
    platform: id.describe('The hypervisor platform: vmware, hyperv, or a platform a plugin adds.'),
    version: z.string().min(1).describe('vSphere version (8.0) or Windows Server / Hyper-V version (2012 R2, 2016, 2019, 2022, 2025).'),
    site: id.optional().describe('The site the host stands in: a VM of this host without a known address is in this site for rules that read sites.'),
  });

  const serverSchema = z.strictObject({
    id: id.describe('Unique among servers; order matters: ties go to the server listed first.'),
    os: z
      .strictObject({
        family: osFamily.describe('windows or linux.'),
        distro: z.string().min(1).describe('OS distribution: windows-server, rhel, rocky, ubuntu, debian, ...').optional(),
        version: z.string().min(1).describe('OS version, as the vendor writes it (2022, 9.4, 22.04).').optional(),
      })
      .describe('The operating system of the server.'),
    addresses: z.array(z.string().describe('An IPv4 or IPv6 address.')).default([]).describe('IP addresses of the server.'),
    networks: ids.default([]).describe('Ids of networks the server is in, in addition to those its addresses fall in.'),
    roles: z
      .array(z.string().describe('A role: backup-server, vmware-proxy, hyperv-host, repository, wan-accelerator, ...'))
      .default([])
      .describe('Roles the server holds (informational; rules may read them as server.roles).'),
    managed: z.boolean().default(true).describe('Added to the backup infrastructure as a managed server; unmanaged servers cannot hold the role.'),
    hardened: z.boolean().default(false).describe('A hardened Linux repository: it cannot hold the role.'),
    appliance: z.boolean().default(false).describe("Linux: the vendor's infrastructure appliance."),
    packages: z.array(z.string().describe('A package name.')).default([]).describe('Linux: installed packages (RHEL/Rocky 9+ need libmsi1, samba-client, samba-common-tools).'),
    domain: z.string().min(1).describe('Windows: Active Directory domain (compared case-insensitively).').optional(),
    powershell: z.string().min(1).describe('Installed PowerShell version (PowerShell Direct needs 2.0 or later); absent: none.').optional(),
    runningTasks: z.number().int().min(0).default(0).describe('Tasks the machine already performs: its load.'),
  });

  const vmSchema = z.strictObject({
    id: id.describe('Unique among VMs.'),
    host: id.describe('Id of the hypervisor host the VM runs on.'),
    guest: z
      .strictObject({
        family: osFamily.describe('Guest OS family: windows or linux.'),
        version: z.string().min(1).describe('Windows: 10, 11, 2012 R2, 2016, ...; Linux: free text.').optional(),
      })
      .describe('The guest operating system.'),
    addresses: z
      .array(z.string().describe('An IPv4 or IPv6 address.'))
      .default([])
      .describe('IP addresses as reported by VMware Tools / Integration Services; empty: unknown (no network connection possible).'),
    networks: ids.default([]).describe('Ids of networks the VM is in, in addition to those its addresses fall in.'),
    tools: z.boolean().default(true).describe('VMware Tools running (VIX possible).'),
    sshPort: z.number().int().min(1).max(65535).describe('SSH port of a Linux guest reached over the network (default 22).').optional(),
  });

  const inventorySchema = z
    .strictObject({
      backupServer: id.describe('Id of the server that holds the backup server role; must be among servers.'),
      license: licenseSchema.default({ kind: 'universal' }),
      networks: z.array(networkSchema.describe('A network: an id, its CIDRs, its site.')).default([]).describe('Networks and their sites.'),
      hosts: z.array(hostSchema.describe('A hypervisor host.')).describe('Hypervisor hosts.'),
      servers: z
        .array(serverSchema.describe('A managed (or unmanaged) Windows or Linux server.'))
        .min(1, 'the inventory needs at least the backup server')
        .describe('Windows and Linux servers, at least the backup server; candidates for the role.'),
      vms: z.array(vmSchema.describe('A virtual machine.')).describe('Virtual machines.'),
    })
    .describe('gipkit inventory: networks, hypervisor hosts, managed servers and VMs');

  /**
   * A reference to a secret: the name of an environment variable, the path of a
   * file, or a reference of a kind a plugin's resolver reads (one key, a string);
   * never the secret. Which kinds the engine reads is checked with the references.
   */
  const secretSchema = z
    .union([
      z.strictObject({
        env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').describe('Name of the environment variable that holds the secret.'),
      }),
      z.strictObject({ file: z.string().min(1).describe('Path of a file that holds the secret (a password, or a private key in OpenSSH/PEM form).') }),
      z
        .record(z.string().regex(SECRET_KIND, 'a secret kind (lower case, digits, -)'), z.string().min(1))
        .refine((reference) => Object.keys(reference).length === 1 && !('env' in reference) && !('file' in reference), 'one key: the kind of the reference')
        .describe('A reference a plugin\'s secret resolver reads: { KIND: WHERE }, e.g. { vault: secret/guests/root }.'),
    ])
    .describe('Where the secret is read when a connection opens: { env: NAME }, { file: PATH }, or { KIND: WHERE } of a plugin\'s resolver; never the secret itself.');

  const credentialsSchema = z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('standard').describe('An account and its secret.'),
        account: z.string().min(1).describe('The guest OS account (DOMAIN\\user, user@domain, root).'),
        secret: secretSchema.optional(),
      }),
      z.strictObject({
        kind: z.literal('gmsa').describe('A group Managed Service Account: Windows proxies over the network only.'),
        account: z.string().min(1).describe('The gMSA account (DOMAIN\\name$).'),
        domain: z.string().min(1).describe('The Active Directory domain of the gMSA; the proxy must be in it.').optional(),
      }),
    ])
    .describe('Guest OS credentials: { kind: standard, account, secret? } or { kind: gmsa, account, domain? }.');

  const jobSchema = z
    .strictObject({
      id: id.describe('The job id.'),
      vms: ids.describe('Ids of the VMs to process, in order; load builds up in this order.'),
      guestProcessing: z
        .strictObject({
          applicationAware: z.boolean().default(false).describe('Application-aware processing.'),
          indexing: z.boolean().default(false).describe('Guest file system indexing.'),
          transactionLogs: z.boolean().default(false).describe('Transaction log processing.'),
        })
        .default({ applicationAware: false, indexing: false, transactionLogs: false })
        .describe('What guest processing the job does; none of it: no proxy is needed (not-required).'),
      credentials: credentialsSchema,
      vmCredentials: z
        .record(id, credentialsSchema)
        .default({})
        .describe('Per-VM credentials, by VM id, overriding credentials.'),
      proxy: z
        .discriminatedUnion('mode', [
          z.strictObject({ mode: z.literal('automatic').describe('Every server is a candidate.') }),
          z.strictObject({
            mode: z.literal('preferred').describe('Only the listed servers are candidates.'),
            servers: ids.min(1, 'preferred mode needs at least one server').describe('Ids of the preferred servers, at least one.'),
            fallback: z
              .enum(['backup-server', 'fail'])
              .default('backup-server')
              .describe('When no listed server can serve a VM: the backup server takes the role (backup-server), or the VM is unassigned (fail).'),
          }),
        ])
        .default({ mode: 'automatic' })
        .describe('How the guest interaction proxy is chosen: { mode: automatic } or { mode: preferred, servers, fallback }.'),
      inverseProtocolOrder: z.boolean().default(false).describe('True: networkless connection methods (VIX, PowerShell Direct) are tried before the network.'),
      onGuestProcessingFailure: z
        .enum(['fail-vm', 'continue-crash-consistent'])
        .default('fail-vm')
        .describe('When guest processing of a VM fails: the VM fails (fail-vm), or it is backed up crash-consistently (continue-crash-consistent).'),
      runtimeComponents: z
        .enum(['non-persistent', 'persistent'])
        .default('non-persistent')
        .describe('Non-persistent components are removed when the job ends; persistent agent components are installed once and kept.'),
    })
    .describe('gipkit backup job: the VMs to process, guest processing, credentials and proxy selection');

  return { licenseSchema, networkSchema, hostSchema, serverSchema, vmSchema, inventorySchema, secretSchema, credentialsSchema, jobSchema };
}

export type InputSchemas = ReturnType<typeof build>;
let built: InputSchemas | undefined;

export function inputSchemas(): InputSchemas {
  return (built ??= build(zod().z));
}
