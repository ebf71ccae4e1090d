import type { Request, RequestHandler, Response } from 'express';
import type { AdminRole } from '../shared/access-events.ts';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.ts';
import type { AuthFailureThrottle } from './auth-failure-throttle.ts';
import { sha256 } from '../shared/tokens.ts';

export interface Principal {
  /**
   * Recorded as the actor of every event this principal causes: `token:<name>#<id>`, since names are not unique
   * (`bootstrap-admin` for the configured token).
   */
  readonly actor: string;
  /** The issued token's id; `bootstrap` for the configured token (issued ids are UUIDs, so it cannot clash). */
  readonly tokenId: string;
  readonly role: AdminRole;
}

/** What authentication needs to know of issued admin tokens (the write side's model answers it). */
export interface AdminTokens {
  /** The issued token with this SHA-256 hash, revoked or not. */
  adminTokenByHash(hash: string): { readonly id: string; readonly name: string; readonly role: AdminRole; readonly revoked: boolean } | undefined;
  /** Catches up with tokens issued or revoked since, by this process or another. */
  refresh(): Promise<void>;
}

const BOOTSTRAP: Principal = { actor: 'bootstrap-admin', tokenId: 'bootstrap', role: 'admin' };

const RANK: Record<AdminRole, number> = { viewer: 0, editor: 1, admin: 2 };

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Admin authentication: the bootstrap token from the environment, or an issued admin token, compared by hash
 * (only hashes are stored). For a known token the tokens are refreshed first, so a token revoked elsewhere
 * stops working here. An unknown one refreshes them at most once a second (concurrent callers share the read): a
 * token issued by another process works here within a second, and a flood of wrong tokens costs no reads.
 * Failures are counted per client address by `failures`, which refuses an address past its budget.
 */
export function authenticateAdmin(tokens: AdminTokens, bootstrapTokenHash: string | undefined, failures?: AuthFailureThrottle): RequestHandler {
  const refreshForUnknown = atMostEvery(UNKNOWN_TOKEN_REFRESH_MS, () => tokens.refresh());
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('An admin token is required: send Authorization: Bearer <token>');
    failures?.admit(req);
    const hash = sha256(token);
    if (bootstrapTokenHash !== undefined && hash === bootstrapTokenHash) {
      res.locals['principal'] = BOOTSTRAP;
      res.locals['tokenHash'] = hash;
      return next();
    }
    await (tokens.adminTokenByHash(hash) === undefined ? refreshForUnknown() : tokens.refresh());
    const issued = tokens.adminTokenByHash(hash);
    if (!issued || issued.revoked) {
      failures?.failed(req);
      throw new UnauthorizedError('The admin token is unknown or revoked');
    }
    res.locals['principal'] = { actor: `token:${issued.name}#${issued.id}`, tokenId: issued.id, role: issued.role } satisfies Principal;
    res.locals['tokenHash'] = hash;
    next();
  };
}

const UNKNOWN_TOKEN_REFRESH_MS = 1_000;

/** Runs `task` at most once per `intervalMs`; callers in between share the run in flight, or skip it. */
function atMostEvery(intervalMs: number, task: () => Promise<void>): () => Promise<void> {
  let startedAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  return () => {
    if (running) return running;
    const now = performance.now();
    if (now - startedAt < intervalMs) return Promise.resolve();
    startedAt = now;
    running = task().finally(() => {
      running = undefined;
    });
    return running;
  };
}

export function principalOf(res: Response): Principal {
  return res.locals['principal'] as Principal;
}

/** viewer reads; editor also changes flags and segments; admin also manages environments, keys and tokens. */
export function requireRole(role: AdminRole): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (RANK[principal.role] < RANK[role]) {
      throw new ForbiddenError(`This needs the ${role} role; the token has ${principal.role}`);
    }
    next();
  };
}

/** Per admin token: every authenticated request takes one from the token's bucket (429 with Retry-After past it). */
export function rateLimitAdmin(take: (key: string) => void): RequestHandler {
  return (_req, res, next) => {
    take(String(res.locals['tokenHash']));
    next();
  };
}
