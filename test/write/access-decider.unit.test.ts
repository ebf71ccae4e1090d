import { describe, it } from 'vitest';
import type { AdminTokenEvent, ApiKeyEvent } from '../../src/shared/access-events.ts';
import type { EnvironmentEvent } from '../../src/shared/environment-events.ts';
import { ConflictError, DomainRuleViolation, NotFoundError } from '../../src/shared/errors.ts';
import {
  decideAdminToken,
  decideApiKey,
  evolveAdminToken,
  evolveApiKey,
  type AdminToken,
  type AdminTokenCommand,
  type ApiKey,
  type ApiKeyCommand,
} from '../../src/write/access/access-decider.ts';
import { decideEnvironment, evolveEnvironment, type Environment, type EnvironmentCommand } from '../../src/write/environments/environment-decider.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const tokens = deciderSpec<AdminToken, AdminTokenCommand, AdminTokenEvent>({ evolve: evolveAdminToken, decide: decideAdminToken });
const keys = deciderSpec<ApiKey, ApiKeyCommand, ApiKeyEvent>({
  evolve: evolveApiKey,
  decide: (c, s) => decideApiKey(c, s, { environmentExists: (env) => env === 'production' }),
});
const environments = deciderSpec<Environment, EnvironmentCommand, EnvironmentEvent>({ evolve: evolveEnvironment, decide: decideEnvironment });

const tokenIssued: AdminTokenEvent = { type: 'AdminTokenIssued', data: { id: 't1', name: 'alice', role: 'editor', tokenHash: 'h' } };
const keyIssued: ApiKeyEvent = { type: 'ApiKeyIssued', data: { id: 'k1', name: 'k', environment: 'production', kind: 'server', keyHash: 'h' } };

describe('admin tokens', () => {
  it('are issued once and revoked once', () => {
    tokens([]).when({ type: 'IssueAdminToken', data: { id: 't1', name: 'alice', role: 'editor', tokenHash: 'h' } }).then([tokenIssued]);
    tokens([tokenIssued]).when({ type: 'RevokeAdminToken' }).then([{ type: 'AdminTokenRevoked', data: { id: 't1' } }]);
    tokens([tokenIssued, { type: 'AdminTokenRevoked', data: { id: 't1' } }]).when({ type: 'RevokeAdminToken' }).then([]);
    tokens([]).when({ type: 'RevokeAdminToken' }).thenThrows(NotFoundError);
  });
});

describe('SDK keys', () => {
  it('belong to an existing environment and are revoked once', () => {
    keys([]).when({ type: 'IssueApiKey', data: { id: 'k1', name: 'k', environment: 'production', kind: 'server', keyHash: 'h' } }).then([keyIssued]);
    keys([]).when({ type: 'IssueApiKey', data: { id: 'k2', name: 'k', environment: 'moon', kind: 'client', keyHash: 'h' } }).thenThrows(DomainRuleViolation, /#\/environment/);
    keys([keyIssued]).when({ type: 'IssueApiKey', data: { id: 'k1', name: 'k', environment: 'production', kind: 'client', keyHash: 'h' } }).thenThrows(ConflictError);
    keys([keyIssued]).when({ type: 'RevokeApiKey' }).then([{ type: 'ApiKeyRevoked', data: { id: 'k1' } }]);
  });
});

describe('environments', () => {
  it('are created once and changed only when something changes', () => {
    const created: EnvironmentEvent = { type: 'EnvironmentCreated', data: { key: 'qa', name: 'QA', production: false } };
    environments([]).when({ type: 'CreateEnvironment', data: { key: 'qa', name: 'QA', production: false } }).then([created]);
    environments([created]).when({ type: 'CreateEnvironment', data: { key: 'qa', name: 'QA', production: false } }).thenThrows(ConflictError);
    environments([created]).when({ type: 'ChangeEnvironment', data: { name: 'QA' } }).then([]);
    environments([created]).when({ type: 'ChangeEnvironment', data: { production: true } }).then([
      { type: 'EnvironmentChanged', data: { name: 'QA', production: true } },
    ]);
    environments([]).when({ type: 'ChangeEnvironment', data: { name: 'x' } }).thenThrows(NotFoundError);
  });
});
