import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { AdminRole } from '../shared/access-events.ts';
import type { CommandContext } from '../shared/command-handler.ts';
import { requireRole } from './admin-auth.ts';
import { commandContext, pathParam } from './command-request.ts';
import { parseWith } from './validation.ts';

/**
 * One HTTP operation, declared once: the admin app serves it from this declaration (role, body and query
 * validation, If-Match and Idempotency-Key) and the OpenAPI document describes it from the same one, so the
 * two cannot drift. A slice declares its operations beside their handlers (`serve`); operations another server
 * answers (the read API's own router) are declared the same way and served there.
 */
export interface OperationSpec {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path template: `/admin/flags/{key}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** Its group in the document; the composition root lists the groups. */
  readonly tag: string;
  /** Who may call it: any admin token of at least this role, an SDK key, or anyone. */
  readonly auth: { readonly admin: AdminRole } | { readonly sdk: 'any' | 'server' } | 'public';
  /** The JSON body, validated by `schema`; `name` is its component name; `example` must parse (tested). */
  readonly body?: { readonly name: string; readonly schema: z.ZodType; readonly example: unknown; readonly required?: boolean };
  /** Query parameters: the properties of this object schema. */
  readonly query?: z.ZodType;
  /** Parameters no zod schema describes (the read API parses its query by hand, on the hot path). */
  readonly parameters?: readonly Readonly<Record<string, unknown>>[];
  /** A command that appends events: Idempotency-Key, and how it treats If-Match. */
  readonly command?: { readonly ifMatch: 'required' | 'optional' | 'ignored'; readonly creates?: boolean };
  /** The success response. */
  readonly success: Success;
  /** Error statuses this operation can answer besides the ones its shape implies (see openapi-document.ts). */
  readonly errors?: readonly number[];
}

export interface Success {
  readonly status: number;
  readonly description: string;
  /** Defaults to application/json with an object body. */
  readonly content?: 'json' | 'text/html' | 'text/plain' | 'text/event-stream' | 'none';
  /** A component name of a schema the response body follows (Targeting, Problem, ...). */
  readonly schema?: string;
  /** The response carries the resource's ETag (its stream version). */
  readonly etag?: boolean;
  /** Also answers 304 Not Modified to a matching If-None-Match. */
  readonly notModified?: boolean;
}

/** Declares an operation, keeping its exact shape (its body and query schemas, whether it is a command) for its handler. */
export function operation<const Spec extends OperationSpec>(spec: Spec): Spec {
  return spec;
}

export const ok = (description: string, extra: Partial<Success> = {}): Success => ({ status: 200, description, ...extra });
export const resource = (what: string): Success => ok(`The ${what}, with its version as ETag`, { etag: true });
export const created = (what: string): Success => ({ status: 201, description: `The new ${what}, with Location and ETag`, etag: true });

/** What a handler gets: the request, validated. */
export interface Call<Spec extends OperationSpec> {
  readonly req: Request;
  readonly res: Response;
  readonly body: Spec extends { body: { schema: infer S extends z.ZodType } } ? z.infer<S> : undefined;
  readonly query: Spec extends { query: infer Q extends z.ZodType } ? z.infer<Q> : undefined;
  /** A path parameter (`{key}` in the path). */
  param(name: string): string;
  /** For a command: who, why, which request, the If-Match expectation and the Idempotency-Key. */
  readonly command: Spec extends { command: object } ? CommandContext : undefined;
}

export type Handler<Spec extends OperationSpec> = (call: Call<Spec>) => Promise<void> | void;

/** A handler for every operation of `specs`, and no other: declaring one without serving it does not compile. */
export type Handlers<Specs extends Record<string, OperationSpec>> = { readonly [Name in keyof Specs]: Handler<Specs[Name]> };

/** An operation with what answers it, as the admin app mounts it. */
export interface ServedOperation {
  readonly spec: OperationSpec;
  readonly handle: Handler<OperationSpec>;
}

/** Pairs each declared operation with its handler, in declaration order (the order express matches paths in). */
export function serve<Specs extends Record<string, OperationSpec>>(specs: Specs, handlers: Handlers<Specs>): ServedOperation[] {
  return Object.entries(specs).map(([name, spec]) => ({ spec, handle: handlers[name] as Handler<OperationSpec> }));
}

/**
 * An express router answering the admin operations: the role first, then the body and the query (each bad field
 * a 400 naming it), then If-Match and Idempotency-Key for commands, then the handler.
 */
export function operationRouter(operations: readonly ServedOperation[]): Router {
  const router = Router();
  for (const { spec, handle } of operations) {
    if (typeof spec.auth !== 'object' || !('admin' in spec.auth)) throw new Error(`${spec.operationId} is not an admin operation: the admin app cannot serve it`);
    const guards: RequestHandler[] = spec.auth.admin === 'viewer' ? [] : [requireRole(spec.auth.admin)];
    router[spec.method](expressPath(spec.path), ...guards, async (req, res) => {
      const body: unknown = spec.body ? parseWith(spec.body.schema, req.body) : undefined;
      const query: unknown = spec.query ? parseWith(spec.query, req.query, 'query') : undefined;
      const command = spec.command ? commandContext(req, res, { ifMatch: spec.command.ifMatch }) : undefined;
      await handle({ req, res, body, query, command, param: (name) => pathParam(req, name) } as Call<OperationSpec>);
    });
  }
  return router;
}

/** `/admin/flags/{key}` → `/admin/flags/:key`. */
export function expressPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, ':$1');
}
