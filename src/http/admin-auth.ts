import type { Request, RequestHandler, Response } from 'express';
import type { AdminRole } from '../shared/access-events.ts';
import { ForbiddenError, UnauthorizedError } from '../shared/errors.ts';
import { sha256 } from '../shared/tokens.ts';
import type { WriteModel } from '../write/write-model.ts';

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
 * (only hashes are stored). The write model is refreshed first, so a token revoked elsewhere stops working here.
 */
export function authenticateAdmin(model: WriteModel, bootstrapTokenHash: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('An admin token is required: send Authorization: Bearer <token>');
    const hash = sha256(token);
    if (bootstrapTokenHash !== undefined && hash === bootstrapTokenHash) {
      res.locals['principal'] = BOOTSTRAP;
      res.locals['tokenHash'] = hash;
      return next();
    }
    await model.refresh();
    const issued = model.adminTokenByHash(hash);
    if (!issued || issued.revoked) throw new UnauthorizedError('The admin token is unknown or revoked');
    res.locals['principal'] = { actor: `token:${issued.name}#${issued.id}`, tokenId: issued.id, role: issued.role } satisfies Principal;
    res.locals['tokenHash'] = hash;
    next();
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
