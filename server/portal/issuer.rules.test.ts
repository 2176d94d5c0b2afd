import { describe, expect, it } from 'vitest';
import { privateAddressReason } from './issuer.rules.ts';

describe('privateAddressReason', () => {
  it('refuses loopback, private, link-local, unique-local and unspecified addresses, IPv4 and IPv6', () => {
    for (const ip of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '::1',
      '::',
      '[::1]',
      'fd00::1',
      'fc12:3456::1',
      'fe80::1',
      'ff02::1',
    ]) {
      expect(privateAddressReason(ip), ip).toMatch(/internal address/);
    }
  });

  it('sees through IPv4 addresses written as IPv6 (mapped, compatible, NAT64)', () => {
    for (const ip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::a00:1']) {
      expect(privateAddressReason(ip), ip).not.toBeNull();
    }
  });

  it('accepts public addresses', () => {
    for (const ip of ['8.8.8.8', '142.250.74.46', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '2a00:1450:4001:82b::200e']) {
      expect(privateAddressReason(ip), ip).toBeNull();
    }
  });
});
