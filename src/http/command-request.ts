import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { BadRequestError, NotFoundError, PreconditionRequiredError, UnsupportedMediaTypeError, ValidationError, issue } from '../shared/errors.ts';
import { sha256 } from '../shared/tokens.ts';
import type { CommandContext, CommandOutcome } from '../shared/command-handler.ts';
import type { Versioned } from '../shared/versioned.ts';
import { principalOf } from './admin-auth.ts';

/** Weak ETags carry a stream version: `W/"7"`. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * Reads If-Match. `required` commands (updates that replace state) refuse to run blind with a 428; `*` matches
 * any existing version. Returns the expected stream version, if one was given.
 */
export function expectedVersionFrom(req: Request, required: boolean): number | undefined {
  const header = req.headers['if-match'];
  if (header === undefined || header === '') {
    if (required) throw new PreconditionRequiredError('This update needs an If-Match header with the ETag you last read');
    return undefined;
  }
  if (header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match) throw new BadRequestError('If-Match must be an ETag such as W/"3"', [{ pointer: '#', detail: 'If-Match header is malformed' }]);
  return Number(match[1]);
}

/** Every request gets a correlation id (the caller's X-Request-Id if sane), echoed back and stored on events. */
export const correlate: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.locals['correlationId'] = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * Bodies of commands: JSON only. A top-level `reason` is taken out of the body and recorded on the events, so
 * every command schema stays strict about the rest.
 */
export const commandBody: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    throw new UnsupportedMediaTypeError('Send the body as application/json');
  }
  res.locals['requestHash'] = sha256(`${req.method} ${req.originalUrl} ${JSON.stringify(req.body ?? null)}`);
  const body: unknown = req.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'reason' in body) {
    const { reason, ...rest } = body as { reason: unknown };
    if (typeof reason !== 'string' || reason.length > 1_000) {
      throw new ValidationError('The request body is invalid', [issue(['reason'], 'must be a string of at most 1000 characters')]);
    }
    res.locals['reason'] = reason;
    req.body = rest;
  }
  next();
};

export function commandContext(req: Request, res: Response, options: { ifMatch: 'required' | 'optional' | 'ignored' }): CommandContext {
  const principal = principalOf(res);
  const key = req.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key))) {
    throw new BadRequestError('Idempotency-Key must be 1 to 255 visible ASCII characters', [{ pointer: '#', detail: 'Idempotency-Key header is malformed' }]);
  }
  return {
    actor: principal.actor,
    reason: res.locals['reason'] as string | undefined,
    correlationId: res.locals['correlationId'] as string,
    now: new Date(),
    expectedVersion: options.ifMatch === 'ignored' ? undefined : expectedVersionFrom(req, options.ifMatch === 'required'),
    // Scoped to the token (two tokens may share a name): one token's retry never replays another's command.
    idempotencyKey: key === undefined ? undefined : `${principal.tokenId}:${key}`,
    requestHash: res.locals['requestHash'] as string,
  };
}

/** A path parameter as a string (express types them loosely once middleware sits before the handler). */
export function pathParam(req: Request, name: string): string {
  const value = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Answers with a versioned resource: its representation, its ETag, and `Idempotent-Replayed` when an earlier
 * request with the same Idempotency-Key did the work. A resource that is not there is a 404 naming it.
 */
export function replyVersioned<T>(
  res: Response,
  status: number,
  versioned: Versioned<T> | undefined,
  what: string,
  represent: (versioned: Versioned<T>) => unknown,
  outcome?: CommandOutcome,
): void {
  if (!versioned) throw new NotFoundError(`${what} not found`);
  if (outcome?.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(status).setHeader('ETag', etagOf(versioned.version)).json(represent(versioned));
}
