/**
 * JSON Canonicalization Scheme (RFC 8785) for the data JSON can hold: object
 * keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * ECMAScript writes them. Non-finite numbers, bigints, functions and symbols
 * have no canonical form and throw; `undefined` members are left out, as
 * JSON.stringify leaves them out.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, '$');
  return parts.join('');
}

function write(value: unknown, parts: string[], at: string): void {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    parts.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${at}: ${String(value)} has no JSON form`);
    parts.push(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    parts.push('[');
    value.forEach((item: unknown, index) => {
      if (index > 0) parts.push(',');
      write(item === undefined ? null : item, parts, `${at}[${index}]`);
    });
    parts.push(']');
    return;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    parts.push('{');
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      if (!first) parts.push(',');
      first = false;
      parts.push(JSON.stringify(key), ':');
      write(member, parts, `${at}.${key}`);
    }
    parts.push('}');
    return;
  }
  throw new TypeError(`${at}: a ${typeof value} has no JSON form`);
}
