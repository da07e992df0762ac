import { describe, expect, it } from 'vitest';
import { blockedReason, parseCidr } from './address-policy.ts';

describe('blockedReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['10.1.2.3', 'private'], ['172.31.255.255', 'private'],
    ['192.168.0.10', 'private'], ['169.254.169.254', 'link-local (cloud metadata)'], ['100.64.0.1', 'shared address space'],
    ['0.0.0.0', 'this network'], ['224.0.0.1', 'multicast'], ['::1', 'loopback'], ['::', 'unspecified'],
    ['fd00:ec2::254', 'unique local (private)'], ['fe80::1%eth0', 'link-local'], ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'], ['0:0:0:0:0:ffff:a00:1', 'private'],
  ])('%s is refused (%s)', (ip, reason) => {
    expect(blockedReason(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(blockedReason(ip)).toBeUndefined();
  });

  it('lets through the networks the operator allowed, and only those', () => {
    const allowed = [parseCidr('10.0.0.0/8'), parseCidr('fd12::/16')];
    expect(blockedReason('10.9.8.7', allowed)).toBeUndefined();
    expect(blockedReason('::ffff:10.0.0.1', allowed)).toBeUndefined();
    expect(blockedReason('fd12::5', allowed)).toBeUndefined();
    expect(blockedReason('192.168.1.1', allowed)).toBe('private');
  });

  it('parses CIDRs and refuses nonsense', () => {
    expect(parseCidr('192.168.0.0/16')).toMatchObject({ family: 4, prefix: 16 });
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseCidr('intranet')).toThrow(/not an IP/);
  });
});
