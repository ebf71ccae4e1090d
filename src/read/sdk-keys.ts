import type { IncomingMessage } from 'node:http';
import type { SdkKeyKind } from '../shared/access-events.ts';
import { sha256 } from '../shared/tokens.ts';
import type { ReadModel } from './read-model.ts';

export interface SdkPrincipal {
  readonly keyId: string;
  readonly environment: string;
  readonly kind: SdkKeyKind;
}

const MAX_CACHED = 10_000;

/**
 * Resolves SDK keys (`Authorization: Bearer <key>`, or `X-API-Key` as OFREP clients may send). Hashing is
 * cached per raw key, but the lookup by hash goes to the read model every time, so a revocation applies at once.
 */
export class SdkKeys {
  private readonly hashes = new Map<string, string>();

  constructor(private readonly model: () => ReadModel) {}

  authenticate(req: IncomingMessage): SdkPrincipal | undefined {
    const token = tokenOf(req);
    if (token === undefined) return undefined;
    let hash = this.hashes.get(token);
    if (hash === undefined) {
      if (this.hashes.size >= MAX_CACHED) this.hashes.clear();
      hash = sha256(token);
      this.hashes.set(token, hash);
    }
    const key = this.model().apiKey(hash);
    if (!key || key.revoked) return undefined;
    return { keyId: key.id, environment: key.environment, kind: key.kind };
  }
}

function tokenOf(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    if (authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') return authorization.slice(7).trim();
    return undefined;
  }
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
