import { ConflictError, DomainRuleViolation, NotFoundError, issue } from '../../shared/errors.ts';
import type {
  AdminRole,
  AdminTokenEvent,
  ApiKeyEvent,
  SdkKeyKind,
} from '../../shared/access-events.ts';

/** Admin tokens and SDK keys: issued once (the secret is shown once, only its hash is kept), then revocable. */
export interface AdminToken {
  readonly id: string;
  readonly name: string;
  readonly role: AdminRole;
  readonly tokenHash: string;
  readonly revoked: boolean;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly environment: string;
  readonly kind: SdkKeyKind;
  readonly keyHash: string;
  readonly revoked: boolean;
}

export type AdminTokenCommand =
  | { type: 'IssueAdminToken'; data: { id: string; name: string; role: AdminRole; tokenHash: string } }
  | { type: 'RevokeAdminToken' };

export type ApiKeyCommand =
  | { type: 'IssueApiKey'; data: { id: string; name: string; environment: string; kind: SdkKeyKind; keyHash: string } }
  | { type: 'RevokeApiKey' };

export function evolveAdminToken(state: AdminToken | undefined, event: AdminTokenEvent): AdminToken {
  switch (event.type) {
    case 'AdminTokenIssued':
      return { ...event.data, revoked: false };
    case 'AdminTokenRevoked':
      if (!state) throw new Error('AdminTokenRevoked before AdminTokenIssued');
      return { ...state, revoked: true };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown admin token event ${(exhaustive as AdminTokenEvent).type}`);
    }
  }
}

export function evolveApiKey(state: ApiKey | undefined, event: ApiKeyEvent): ApiKey {
  switch (event.type) {
    case 'ApiKeyIssued':
      return { ...event.data, revoked: false };
    case 'ApiKeyRevoked':
      if (!state) throw new Error('ApiKeyRevoked before ApiKeyIssued');
      return { ...state, revoked: true };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown API key event ${(exhaustive as ApiKeyEvent).type}`);
    }
  }
}

export function decideAdminToken(command: AdminTokenCommand, state: AdminToken | undefined): AdminTokenEvent[] {
  switch (command.type) {
    case 'IssueAdminToken':
      if (state) throw new ConflictError('Admin token already exists');
      return [{ type: 'AdminTokenIssued', data: command.data }];
    case 'RevokeAdminToken':
      if (!state) throw new NotFoundError('Admin token not found');
      return state.revoked ? [] : [{ type: 'AdminTokenRevoked', data: { id: state.id } }];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as AdminTokenCommand).type}`);
    }
  }
}

export function decideApiKey(
  command: ApiKeyCommand,
  state: ApiKey | undefined,
  context: { environmentExists(key: string): boolean },
): ApiKeyEvent[] {
  switch (command.type) {
    case 'IssueApiKey':
      if (state) throw new ConflictError('API key already exists');
      if (!context.environmentExists(command.data.environment)) {
        throw new DomainRuleViolation('Unknown environment', [issue(['environment'], `names no environment (${command.data.environment})`)]);
      }
      return [{ type: 'ApiKeyIssued', data: command.data }];
    case 'RevokeApiKey':
      if (!state) throw new NotFoundError('API key not found');
      return state.revoked ? [] : [{ type: 'ApiKeyRevoked', data: { id: state.id } }];
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as ApiKeyCommand).type}`);
    }
  }
}
