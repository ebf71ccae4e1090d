import type { DomainEvent } from './domain-event.ts';

export const ADMIN_ROLES = ['viewer', 'editor', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
export const SDK_KEY_KINDS = ['server', 'client'] as const;
export type SdkKeyKind = (typeof SDK_KEY_KINDS)[number];

/** Only the SHA-256 of a token is ever stored: tokens are 256-bit random, so a slow hash adds nothing. */
export type AdminTokenIssued = DomainEvent<'AdminTokenIssued', { id: string; name: string; role: AdminRole; tokenHash: string }>;
export type AdminTokenRevoked = DomainEvent<'AdminTokenRevoked', { id: string }>;
export type ApiKeyIssued = DomainEvent<
  'ApiKeyIssued',
  { id: string; name: string; environment: string; kind: SdkKeyKind; keyHash: string }
>;
export type ApiKeyRevoked = DomainEvent<'ApiKeyRevoked', { id: string }>;

export type AdminTokenEvent = AdminTokenIssued | AdminTokenRevoked;
export type ApiKeyEvent = ApiKeyIssued | ApiKeyRevoked;

export const ADMIN_TOKEN_CATEGORY = 'admintoken';
export const API_KEY_CATEGORY = 'apikey';
