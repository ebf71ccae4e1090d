import { Router } from 'express';
import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { requireRole } from '../../http/admin-auth.ts';
import { commandContext, pathParam } from '../../http/command-request.ts';
import { parseWith } from '../../http/validation.ts';
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

/**
 * SDK keys and admin tokens. The secret is returned once, in the creation response; only its hash is stored.
 * Managing either needs the admin role. A retried creation (same Idempotency-Key) cannot show the secret
 * again, so it answers 200 without it.
 */
export function accessRoutes(deps: { store: EventStore; model: WriteModel }): Router {
  const { model } = deps;
  const router = Router();
  router.use(['/admin/api-keys', '/admin/tokens'], requireRole('admin'));

  router.get('/admin/api-keys', async (_req, res) => {
    await model.refresh();
    res.json({ apiKeys: [...model.apiKeys.values()].map(apiKeyResource) });
  });

  router.post('/admin/api-keys', async (req, res) => {
    const body = parseWith(issueApiKeyBody, req.body);
    const id = newId();
    const secret = newSecret(`fs_${body.kind}`);
    const data = { id, name: body.name ?? `${body.environment} ${body.kind} key`, environment: body.environment, kind: body.kind, keyHash: sha256(secret) };
    const outcome = await executeCommand(
      deps,
      { streamId: streamId(API_KEY_CATEGORY, id), current: () => model.apiKeys.get(id), decide: (s) => decideApiKey({ type: 'IssueApiKey', data }, s, model) },
      commandContext(req, res, { ifMatch: 'ignored' }),
    );
    if (outcome.replayed) {
      const earlier = model.apiKeys.get(idOf(outcome));
      res.setHeader('Idempotent-Replayed', 'true').status(200).json(earlier ? apiKeyResource(earlier) : {});
      return;
    }
    res.status(201).setHeader('Location', `/admin/api-keys/${id}`).json({ ...apiKeyResource(model.apiKeys.get(id)!), key: secret });
  });

  router.delete('/admin/api-keys/:id', async (req, res) => {
    const id = pathParam(req, 'id');
    await executeCommand(
      deps,
      { streamId: streamId(API_KEY_CATEGORY, id), current: () => model.apiKeys.get(id), decide: (s) => decideApiKey({ type: 'RevokeApiKey' }, s, model) },
      commandContext(req, res, { ifMatch: 'ignored' }),
    );
    const key = model.apiKeys.get(id);
    if (!key) throw new NotFoundError('API key not found');
    res.json(apiKeyResource(key));
  });

  router.get('/admin/tokens', async (_req, res) => {
    await model.refresh();
    res.json({ tokens: [...model.adminTokens.values()].map(adminTokenResource) });
  });

  router.post('/admin/tokens', async (req, res) => {
    const body = parseWith(issueAdminTokenBody, req.body);
    const id = newId();
    const secret = newSecret('fs_admin');
    const data = { id, name: body.name, role: body.role, tokenHash: sha256(secret) };
    const outcome = await executeCommand(
      deps,
      { streamId: streamId(ADMIN_TOKEN_CATEGORY, id), current: () => model.adminTokens.get(id), decide: (s) => decideAdminToken({ type: 'IssueAdminToken', data }, s) },
      commandContext(req, res, { ifMatch: 'ignored' }),
    );
    if (outcome.replayed) {
      const earlier = model.adminTokens.get(idOf(outcome));
      res.setHeader('Idempotent-Replayed', 'true').status(200).json(earlier ? adminTokenResource(earlier) : {});
      return;
    }
    res.status(201).setHeader('Location', `/admin/tokens/${id}`).json({ ...adminTokenResource(model.adminTokens.get(id)!), token: secret });
  });

  router.delete('/admin/tokens/:id', async (req, res) => {
    const id = pathParam(req, 'id');
    await executeCommand(
      deps,
      { streamId: streamId(ADMIN_TOKEN_CATEGORY, id), current: () => model.adminTokens.get(id), decide: (s) => decideAdminToken({ type: 'RevokeAdminToken' }, s) },
      commandContext(req, res, { ifMatch: 'ignored' }),
    );
    const token = model.adminTokens.get(id);
    if (!token) throw new NotFoundError('Admin token not found');
    res.json(adminTokenResource(token));
  });

  return router;
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
