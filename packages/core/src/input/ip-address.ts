/**
 * IPv4 and IPv6 addresses and CIDR blocks, parsed once into integers so that
 * membership is a mask and a compare.
 */
export type ParsedAddress =
  | { readonly version: 4; readonly value: number }
  | { readonly version: 6; readonly value: bigint };

/** IPv4 blocks compare as unsigned 32-bit numbers (fast path); IPv6 as bigint. */
export type ParsedCidr =
  | { readonly version: 4; readonly base: number; readonly mask: number }
  | { readonly version: 6; readonly base: bigint; readonly mask: bigint };

/** Dotted quad without leading zeros; hand-written: it runs for every address of a large estate. */
function parseIpv4(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return null;
      octet = octet * 10 + (code - 48);
      digits++;
      if (octet > 255) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // A dotted IPv4 part may only end the address: `::ffff:1.2.3.4`, never `1.2.3.4::`.
  const toGroups = (part: string, last: boolean): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (piece.includes('.') && last && index === pieces.length - 1) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = toGroups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

export function parseAddress(text: string): ParsedAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  if (!text.includes(':')) return null;
  const v6 = parseIpv6(text);
  return v6 === null ? null : { version: 6, value: v6 };
}

export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  // A prefix length is written without leading zeros: `/024` is not `/24`.
  if (address === null || !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (address.version === 4) {
    if (prefix > 32) return null;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return { version: 4, base: (address.value & mask) >>> 0, mask };
  }
  if (prefix > 128) return null;
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  return { version: 6, base: address.value & mask, mask };
}

export function cidrContains(cidr: ParsedCidr, address: ParsedAddress): boolean {
  if (cidr.version === 4) return address.version === 4 && ((address.value & cidr.mask) >>> 0) === cidr.base;
  return address.version === 6 && (address.value & cidr.mask) === cidr.base;
}

const MAPPED_PREFIX = 0xffffn << 32n;
const LOW_32 = 0xffffffffn;

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:10.9.0.7`) stands for; null for any other. */
export function mappedIpv4(address: ParsedAddress): number | null {
  if (address.version === 4 || address.value >> 32n !== 0xffffn) return null;
  return Number(address.value & LOW_32);
}

/**
 * The IPv4 block an IPv6 block covers within the IPv4-mapped range
 * (`::ffff:10.9.0.0/120` is `10.9.0.0/24`; `::/0` covers every IPv4 address);
 * null when it covers none of it.
 */
export function mappedIpv4Cidr(cidr: ParsedCidr): ParsedCidr | null {
  if (cidr.version === 4) return null;
  const high = cidr.mask & ~LOW_32;
  if ((MAPPED_PREFIX & high) !== (cidr.base & high)) return null;
  const mask = Number(cidr.mask & LOW_32);
  return { version: 4, base: Number(cidr.base & LOW_32), mask };
}
