import { describe, expect, it } from 'vitest';
import { cidrContains, mappedIpv4, mappedIpv4Cidr, parseAddress, parseCidr } from './ip-address.js';

describe('IP addresses', () => {
  it('hardening 11: an empty address and an IPv4 part before "::" are malformed', () => {
    expect(parseAddress('')).toBeNull();
    expect(parseAddress('1.2.3.4::')).toBeNull();
    expect(parseAddress('1.2.3.4::1')).toBeNull();
    expect(parseAddress('::1.2.3.4:1')).toBeNull();
    expect(parseAddress('::ffff:1.2.3.4')).toEqual({ version: 6, value: (0xffffn << 32n) | 0x01020304n });
    expect(parseAddress('64:ff9b::1.2.3.4')).not.toBeNull();
    expect(parseAddress('1:2:3:4:5:6:1.2.3.4')).not.toBeNull();
  });

  it('hardening 11: a prefix with a leading zero and an empty CIDR are malformed', () => {
    expect(parseCidr('10.0.0.0/024')).toBeNull();
    expect(parseCidr('10.0.0.0/00')).toBeNull();
    expect(parseCidr('fd00::/064')).toBeNull();
    expect(parseCidr('')).toBeNull();
    expect(parseCidr('10.0.0.0/')).toBeNull();
    expect(parseCidr('10.0.0.0/0')).toEqual({ version: 4, base: 0, mask: 0 });
    expect(parseCidr('10.0.0.0/24')).not.toBeNull();
  });

  it('hardening 11: an IPv4-mapped IPv6 address stands for its IPv4 address', () => {
    expect(mappedIpv4(parseAddress('::ffff:10.9.0.7')!)).toBe(parseAddress('10.9.0.7')?.value);
    expect(mappedIpv4(parseAddress('::ffff:a09:7')!)).toBe(parseAddress('10.9.0.7')?.value);
    expect(mappedIpv4(parseAddress('::10.9.0.7')!)).toBeNull();
    expect(mappedIpv4(parseAddress('10.9.0.7')!)).toBeNull();
  });

  it('hardening 11: an IPv6 block over the IPv4-mapped range is an IPv4 block too', () => {
    const block = mappedIpv4Cidr(parseCidr('::ffff:10.9.0.0/120')!);
    expect(block).toEqual(parseCidr('10.9.0.0/24'));
    expect(mappedIpv4Cidr(parseCidr('::/0')!)).toEqual(parseCidr('0.0.0.0/0'));
    expect(mappedIpv4Cidr(parseCidr('fd00::/8')!)).toBeNull();
    expect(cidrContains(block!, parseAddress('10.9.0.200')!)).toBe(true);
    expect(cidrContains(block!, parseAddress('10.9.1.1')!)).toBe(false);
  });
});
