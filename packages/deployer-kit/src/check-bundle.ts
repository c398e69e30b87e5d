import { ErrorCode, GipkitError, type ComponentBundle, type OsFamily } from '@gipkit/plugin-api';

/** What a bundle name may be: it becomes part of folder, unit and service names. */
export const BUNDLE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;
/**
 * Names the deployers write themselves in a component's folder, next to the
 * bundle's files: `VERSION` (written last, the mark of a complete upload) and
 * every `gipkit-service.*` (the control script `.sh` / `.ps1`, and the
 * `.pid`, `.log` and `.mode` files it writes). One list for `loadBundle`,
 * `checkBundle` and every deployer: a deployer that writes a new file into the
 * folder adds its name here.
 */
export const RESERVED_BUNDLE_NAMES: readonly string[] = ['VERSION', 'gipkit-service.*'];

/**
 * The reserved name a bundle path clashes with, if any. The first segment is
 * what counts (a folder `VERSION/` would stop the deployer writing its file);
 * compared without case and without trailing dots and spaces, as Windows
 * guests compare names.
 */
export function reservedBundleName(path: string): string | undefined {
  const first = (path.split('/')[0] ?? '').replace(/[. ]+$/, '').toLowerCase();
  return RESERVED_BUNDLE_NAMES.find((name) =>
    name.endsWith('*') ? first.startsWith(name.slice(0, -1).toLowerCase()) : first === name.toLowerCase(),
  );
}

/**
 * Checks what a deployer relies on before any session call: a safe name and
 * version, relative `/`-separated file paths that stay in the folder and do not
 * clash with the deployer's own files, and start and health commands for the
 * family. Throws one GIPKIT_BUNDLE_INVALID error listing every problem.
 */
export function checkBundle(bundle: ComponentBundle, family: OsFamily): void {
  const problems: string[] = [];
  if (!BUNDLE_NAME.test(bundle.name)) problems.push(`name must match ${BUNDLE_NAME.source} (found ${JSON.stringify(bundle.name)})`);
  if (!VERSION.test(bundle.version)) problems.push(`version must match ${VERSION.source} (found ${JSON.stringify(bundle.version)})`);
  const seen = new Set<string>();
  bundle.files.forEach((file, index) => {
    const segments = file.path.split('/');
    if (file.path.includes('\\') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      problems.push(`files[${index}].path must be relative, '/'-separated, without '.' or '..' (found ${JSON.stringify(file.path)})`);
    } else if (reservedBundleName(file.path) !== undefined) {
      problems.push(`files[${index}].path is a name the deployer writes itself (reserved: ${reservedBundleName(file.path) ?? ''}) (found ${JSON.stringify(file.path)})`);
    }
    if (seen.has(file.path)) problems.push(`files[${index}].path appears twice (found ${JSON.stringify(file.path)})`);
    seen.add(file.path);
  });
  for (const key of ['start', 'health'] as const) {
    const command = bundle[key][family];
    if (command === undefined || command.length === 0 || command[0] === '') problems.push(`${key}.${family}: a command is needed for ${family} guests`);
  }
  if (problems.length > 0) {
    throw new GipkitError(ErrorCode.BundleInvalid, [`bundle ${JSON.stringify(bundle.name)} cannot be deployed to ${family} guests:`, ...problems.map((p) => `  ${p}`)].join('\n'));
  }
}

/** Characters outside `[A-Za-z0-9._-]` in a run id become `-`, so that it is safe in a folder name. */
export function folderSafe(runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9._-]/g, '-');
  return safe === '' || /^\.+$/.test(safe) ? 'run' : safe;
}
