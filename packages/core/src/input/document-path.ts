/** Where a value lies in a document: mapping keys and list indexes, from the top. */
export type DocumentPath = readonly (string | number)[];

/** A path as people write it: `vms[3].host`, `vmCredentials["web 1"]`. */
export function formatPath(path: DocumentPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
