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
