import { describe, expect, it } from 'vitest';
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

  it('refuses a second issue and revoking no token, saying why', () => {
    expect(tokens([tokenIssued]).when({ type: 'IssueAdminToken', data: tokenIssued.data }).thenThrows(ConflictError).message).toBe('Admin token already exists');
    expect(tokens([]).when({ type: 'RevokeAdminToken' }).thenThrows(NotFoundError).message).toBe('Admin token not found');
  });
});

describe('SDK keys', () => {
  it('belong to an existing environment and are revoked once', () => {
    keys([]).when({ type: 'IssueApiKey', data: { id: 'k1', name: 'k', environment: 'production', kind: 'server', keyHash: 'h' } }).then([keyIssued]);
    keys([]).when({ type: 'IssueApiKey', data: { id: 'k2', name: 'k', environment: 'moon', kind: 'client', keyHash: 'h' } }).thenThrows(DomainRuleViolation, /#\/environment/);
    keys([keyIssued]).when({ type: 'IssueApiKey', data: { id: 'k1', name: 'k', environment: 'production', kind: 'client', keyHash: 'h' } }).thenThrows(ConflictError);
    keys([keyIssued]).when({ type: 'RevokeApiKey' }).then([{ type: 'ApiKeyRevoked', data: { id: 'k1' } }]);
    keys([keyIssued, { type: 'ApiKeyRevoked', data: { id: 'k1' } }]).when({ type: 'RevokeApiKey' }).then([]);
  });

  it('refuses a second issue, an unknown environment and revoking no key, saying why', () => {
    expect(keys([keyIssued]).when({ type: 'IssueApiKey', data: keyIssued.data }).thenThrows(ConflictError).message).toBe('API key already exists');
    expect(keys([]).when({ type: 'IssueApiKey', data: { ...keyIssued.data, environment: 'moon' } }).thenThrows(DomainRuleViolation)).toMatchObject({
      message: 'Unknown environment',
      issues: [{ pointer: '#/environment', detail: 'names no environment (moon)' }],
    });
    expect(keys([]).when({ type: 'RevokeApiKey' }).thenThrows(NotFoundError).message).toBe('API key not found');
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

  it('changes the name alone, and refuses a second creation or a change to no environment, saying why', () => {
    const created: EnvironmentEvent = { type: 'EnvironmentCreated', data: { key: 'qa', name: 'QA', production: false } };
    environments([created]).when({ type: 'ChangeEnvironment', data: { name: 'Quality' } }).then([
      { type: 'EnvironmentChanged', data: { name: 'Quality', production: false } },
    ]);
    expect(environments([created]).when({ type: 'CreateEnvironment', data: created.data }).thenThrows(ConflictError).message).toBe('Environment qa already exists');
    expect(environments([]).when({ type: 'ChangeEnvironment', data: { name: 'x' } }).thenThrows(NotFoundError).message).toBe('Environment not found');
  });
});

describe('tokens, keys and environments', () => {
  it('fail loudly, naming it, on a stream out of order or an event or command this version does not know', () => {
    const unknown = { type: 'Renamed', data: {} } as never;
    expect(() => evolveAdminToken(undefined, { type: 'AdminTokenRevoked', data: { id: 't1' } })).toThrow(new Error('AdminTokenRevoked before AdminTokenIssued'));
    expect(() => evolveAdminToken(undefined, unknown)).toThrow(new Error('unknown admin token event Renamed'));
    expect(() => decideAdminToken({ type: 'Rename' } as never, undefined)).toThrow(new Error('unknown command Rename'));
    expect(() => evolveApiKey(undefined, { type: 'ApiKeyRevoked', data: { id: 'k1' } })).toThrow(new Error('ApiKeyRevoked before ApiKeyIssued'));
    expect(() => evolveApiKey(undefined, unknown)).toThrow(new Error('unknown API key event Renamed'));
    expect(() => decideApiKey({ type: 'Rename' } as never, undefined, { environmentExists: () => true })).toThrow(new Error('unknown command Rename'));
    expect(() => evolveEnvironment(undefined, { type: 'EnvironmentChanged', data: { name: 'QA', production: false } })).toThrow(
      new Error('EnvironmentChanged before EnvironmentCreated'),
    );
    expect(() => evolveEnvironment(undefined, unknown)).toThrow(new Error('unknown environment event Renamed'));
    expect(() => decideEnvironment({ type: 'Rename' } as never, undefined)).toThrow(new Error('unknown command Rename'));
  });
});
