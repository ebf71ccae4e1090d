import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from, for throttling failed authentication: the socket's peer, or, behind
 * `trustedProxies` reverse proxies, the address the outermost of them saw. Each proxy appends the address it
 * received the request from to X-Forwarded-For, so that is the entry `trustedProxies` from the right; anything
 * left of it was written by the client and may be forged. With no trusted proxy the header is ignored.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const socketAddress = req.socket.remoteAddress;
  if (trustedProxies > 0) {
    const header = req.headers['x-forwarded-for'];
    if (typeof header === 'string' && header !== '') {
      const hops = header.split(',');
      const hop = hops[Math.max(0, hops.length - trustedProxies)]?.trim();
      if (hop) return unmapped(hop);
    }
  }
  return socketAddress === undefined ? 'unknown' : unmapped(socketAddress);
}

/** `::ffff:10.1.2.3` (an IPv4 client of a dual-stack socket) is 10.1.2.3: one client, one key. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * What failures are counted against: an IPv4 address, or an IPv6 address's /64. A single client is commonly
 * given a whole /64, and could otherwise take a fresh address (and a fresh budget) for every guess.
 */
export function addressBlock(address: string): string {
  if (!address.includes(':')) return address;
  const zone = address.indexOf('%');
  const bare = zone < 0 ? address : address.slice(0, zone);
  const gap = bare.indexOf('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  // An embedded IPv4 address (`::192.0.2.33`) stands for two groups.
  const width = (parts: string[]): number => parts.reduce((sum, part) => sum + (part.includes('.') ? 2 : 1), 0);
  let all: string[];
  if (gap < 0) all = groups(bare);
  else {
    const head = groups(bare.slice(0, gap));
    const tail = groups(bare.slice(gap + 2));
    all = [...head, ...Array<string>(Math.max(0, 8 - width(head) - width(tail))).fill('0'), ...tail];
  }
  const prefix = all.slice(0, 4).map((group) => Number.parseInt(group, 16));
  if (prefix.length < 4 || prefix.some((group) => !(group >= 0 && group <= 0xffff))) return address;
  return `${prefix.map((group) => group.toString(16)).join(':')}::/64`;
}
