import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import type { ServedOperation } from '../../src/http/operation.ts';
import { accessRoutes } from '../../src/write/access/access-routes.ts';
import { auditRoutes } from '../../src/write/audit/audit-routes.ts';
import { environmentRollbackRoutes } from '../../src/write/environments/environment-rollback-routes.ts';
import { environmentRoutes } from '../../src/write/environments/environment-routes.ts';
import { flagRoutes } from '../../src/write/flags/flag-routes.ts';
import { WriteModel } from '../../src/write/write-model.ts';

const store = createInMemoryEventStore();
const deps = { store, model: new WriteModel(store) };
/** Each operation as express will mount it: method, path and the role it needs, in mounting order. */
const mounted = (operations: ServedOperation[]) => operations.map(({ spec }) => `${spec.method.toUpperCase()} ${spec.path} ${JSON.stringify(spec.auth)}`);

describe('the write slice serves its operations in the order express matched its routes, each needing its role', () => {
  it('flags: the history operations (diff, rollback) first, then the flag operations', () => {
    expect(mounted(flagRoutes(deps))).toEqual([
      'GET /admin/flags/{key}/diff {"admin":"viewer"}',
      'POST /admin/flags/{key}/rollback {"admin":"editor"}',
      'GET /admin/flags {"admin":"viewer"}',
      'POST /admin/flags {"admin":"editor"}',
      'GET /admin/flags/{key} {"admin":"viewer"}',
      'PUT /admin/flags/{key} {"admin":"editor"}',
      'DELETE /admin/flags/{key} {"admin":"editor"}',
      'POST /admin/flags/{key}/restore {"admin":"editor"}',
      'GET /admin/flags/{key}/environments/{env} {"admin":"viewer"}',
      'PUT /admin/flags/{key}/environments/{env} {"admin":"editor"}',
      'POST /admin/flags/{key}/environments/{env}/toggle {"admin":"editor"}',
      'GET /admin/flags/{key}/history {"admin":"viewer"}',
    ]);
  });

  it('environments: reading for viewers, creating and changing for admins, rolling back for editors', () => {
    expect(mounted([...environmentRoutes(deps), ...environmentRollbackRoutes(deps)])).toEqual([
      'GET /admin/environments {"admin":"viewer"}',
      'GET /admin/environments/{key} {"admin":"viewer"}',
      'POST /admin/environments {"admin":"admin"}',
      'PUT /admin/environments/{key} {"admin":"admin"}',
      'POST /admin/environments/{env}/rollback {"admin":"editor"}',
    ]);
  });

  it('access: every operation on SDK keys and admin tokens, reads included, needs the admin role, but for naming the caller’s own token', () => {
    expect(mounted(accessRoutes(deps))).toEqual([
      'GET /admin/api-keys {"admin":"admin"}',
      'POST /admin/api-keys {"admin":"admin"}',
      'DELETE /admin/api-keys/{id} {"admin":"admin"}',
      'GET /admin/tokens/current {"admin":"viewer"}',
      'GET /admin/tokens {"admin":"admin"}',
      'POST /admin/tokens {"admin":"admin"}',
      'DELETE /admin/tokens/{id} {"admin":"admin"}',
    ]);
  });

  it('audit: one operation, for viewers', () => {
    expect(mounted(auditRoutes(deps))).toEqual(['GET /admin/audit {"admin":"viewer"}']);
  });
});
