import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { principalOf } from '../../http/admin-auth.ts';
import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { ADMIN_ROLES, ADMIN_TOKEN_CATEGORY, API_KEY_CATEGORY, SDK_KEY_KINDS } from '../../shared/access-events.ts';
import { splitStreamId, streamId } from '../../shared/domain-event.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { keySchema } from '../../shared/keys.ts';
import { newId, newSecret, sha256 } from '../../shared/tokens.ts';
import { executeCommand } from '../../shared/command-handler.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { WriteModel } from '../write-model.ts';
import { decideAdminToken, decideApiKey, type AdminToken, type ApiKey } from './access-decider.ts';

const nameSchema = z.string().min(1).max(128);
export const issueApiKeyBody = z.strictObject({ environment: keySchema, kind: z.enum(SDK_KEY_KINDS), name: nameSchema.optional() });
export const issueAdminTokenBody = z.strictObject({ name: nameSchema, role: z.enum(ADMIN_ROLES) });

export const accessOperations = {
  listApiKeys: operation({ method: 'get', path: '/admin/api-keys', operationId: 'listApiKeys', tag: 'access', auth: { admin: 'admin' }, summary: 'List SDK keys (never their secrets)', success: ok('Every SDK key') }),
  issueApiKey: operation({
    method: 'post', path: '/admin/api-keys', operationId: 'issueApiKey', tag: 'access', auth: { admin: 'admin' },
    summary: 'Issue an SDK key for one environment; the secret is in this response only (a replay answers 200 without it)',
    body: { name: 'IssueApiKey', schema: issueApiKeyBody, example: { environment: 'production', kind: 'server' } },
    command: { ifMatch: 'ignored' }, success: { status: 201, description: 'The key, with its secret `key`, shown once' },
  }),
  revokeApiKey: operation({ method: 'delete', path: '/admin/api-keys/{id}', operationId: 'revokeApiKey', tag: 'access', auth: { admin: 'admin' }, summary: 'Revoke an SDK key', command: { ifMatch: 'ignored' }, success: ok('The revoked key') }),
  currentAdminToken: operation({
    method: 'get', path: '/admin/tokens/current', operationId: 'currentAdminToken', tag: 'access', auth: { admin: 'viewer' },
    summary: 'The token this request is signed with: its id (`bootstrap` for the configured token), actor and role',
    success: ok('Who is asking'),
  }),
  listAdminTokens: operation({ method: 'get', path: '/admin/tokens', operationId: 'listAdminTokens', tag: 'access', auth: { admin: 'admin' }, summary: 'List admin tokens (never their secrets)', success: ok('Every admin token') }),
  issueAdminToken: operation({
    method: 'post', path: '/admin/tokens', operationId: 'issueAdminToken', tag: 'access', auth: { admin: 'admin' },
    summary: 'Issue an admin token with a role; the secret is in this response only',
    body: { name: 'IssueAdminToken', schema: issueAdminTokenBody, example: { name: 'ci', role: 'editor' } },
    command: { ifMatch: 'ignored' }, success: { status: 201, description: 'The token, with its secret `token`, shown once' },
  }),
  revokeAdminToken: operation({ method: 'delete', path: '/admin/tokens/{id}', operationId: 'revokeAdminToken', tag: 'access', auth: { admin: 'admin' }, summary: 'Revoke an admin token', command: { ifMatch: 'ignored' }, success: ok('The revoked token') }),
};

/**
 * SDK keys and admin tokens. The secret is returned once, in the creation response; only its hash is stored.
 * Managing either needs the admin role. A retried creation (same Idempotency-Key) cannot show the secret
 * again, so it answers 200 without it.
 */
export function accessRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { model } = deps;

  return serve(accessOperations, {
    listApiKeys: async ({ res }) => {
      await model.refresh();
      res.json({ apiKeys: [...model.apiKeys.values()].map(apiKeyResource) });
    },
    issueApiKey: async ({ res, body, command }) => {
      const id = newId();
      const secret = newSecret(`fs_${body.kind}`);
      const data = { id, name: body.name ?? `${body.environment} ${body.kind} key`, environment: body.environment, kind: body.kind, keyHash: sha256(secret) };
      const outcome = await executeCommand(
        deps,
        { streamId: streamId(API_KEY_CATEGORY, id), current: () => model.apiKeys.get(id), decide: (s) => decideApiKey({ type: 'IssueApiKey', data }, s, model) },
        command,
      );
      if (outcome.replayed) {
        const earlier = model.apiKeys.get(idOf(outcome));
        res.setHeader('Idempotent-Replayed', 'true').status(200).json(earlier ? apiKeyResource(earlier) : {});
        return;
      }
      res.status(201).setHeader('Location', `/admin/api-keys/${id}`).json({ ...apiKeyResource(model.apiKeys.get(id)!), key: secret });
    },
    revokeApiKey: async ({ res, param, command }) => {
      const id = param('id');
      await executeCommand(
        deps,
        { streamId: streamId(API_KEY_CATEGORY, id), current: () => model.apiKeys.get(id), decide: (s) => decideApiKey({ type: 'RevokeApiKey' }, s, model) },
        command,
      );
      const key = model.apiKeys.get(id);
      if (!key) throw new NotFoundError('API key not found');
      res.json(apiKeyResource(key));
    },
    // So a client can tell its own token in the list (the web app warns before revoking it): any role may ask.
    currentAdminToken: ({ res }) => {
      const { tokenId, actor, role } = principalOf(res);
      res.json({ id: tokenId, actor, role });
    },
    listAdminTokens: async ({ res }) => {
      await model.refresh();
      res.json({ tokens: [...model.adminTokens.values()].map(adminTokenResource) });
    },
    issueAdminToken: async ({ res, body, command }) => {
      const id = newId();
      const secret = newSecret('fs_admin');
      const data = { id, name: body.name, role: body.role, tokenHash: sha256(secret) };
      const outcome = await executeCommand(
        deps,
        { streamId: streamId(ADMIN_TOKEN_CATEGORY, id), current: () => model.adminTokens.get(id), decide: (s) => decideAdminToken({ type: 'IssueAdminToken', data }, s) },
        command,
      );
      if (outcome.replayed) {
        const earlier = model.adminTokens.get(idOf(outcome));
        res.setHeader('Idempotent-Replayed', 'true').status(200).json(earlier ? adminTokenResource(earlier) : {});
        return;
      }
      res.status(201).setHeader('Location', `/admin/tokens/${id}`).json({ ...adminTokenResource(model.adminTokens.get(id)!), token: secret });
    },
    revokeAdminToken: async ({ res, param, command }) => {
      const id = param('id');
      await executeCommand(
        deps,
        { streamId: streamId(ADMIN_TOKEN_CATEGORY, id), current: () => model.adminTokens.get(id), decide: (s) => decideAdminToken({ type: 'RevokeAdminToken' }, s) },
        command,
      );
      const token = model.adminTokens.get(id);
      if (!token) throw new NotFoundError('Admin token not found');
      res.json(adminTokenResource(token));
    },
  });
}

/** The id of the key or token an idempotent replay refers to: the one the original request created. */
function idOf(outcome: { streamId: string }): string {
  return splitStreamId(outcome.streamId).id;
}

function apiKeyResource({ state, createdAt, updatedBy }: Versioned<ApiKey>) {
  const { keyHash: _hash, ...rest } = state;
  return { ...rest, createdAt, createdBy: updatedBy };
}

function adminTokenResource({ state, createdAt }: Versioned<AdminToken>) {
  const { tokenHash: _hash, ...rest } = state;
  return { ...rest, createdAt };
}
