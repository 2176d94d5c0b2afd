// Which addresses an SSO issuer (and every endpoint its discovery document names) may resolve to. A
// team owner types the issuer URL and the server fetches it: without this, any owner could make the
// server reach its own loopback, the cloud metadata service (169.254.169.254) or the private network.
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // unspecified, "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 3], // multicast, reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated): an IPv4 address in disguise
  ['64:ff9b::', 96], // NAT64: reaches the IPv4 address it embeds
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** Why the server must not connect to `address` (an IPv4 or IPv6 literal), or null when it may. */
export function privateAddressReason(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 0) return 'Not an IP address';
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked against the IPv4 ranges by BlockList
  if (blocked.check(ip, family === 4 ? 'ipv4' : 'ipv6')) {
    return `Resolves to ${ip}, a loopback, private, link-local or otherwise internal address`;
  }
  return null;
}
