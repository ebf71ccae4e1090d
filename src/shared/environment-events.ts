import type { DomainEvent } from './domain-event.ts';

export type EnvironmentCreated = DomainEvent<'EnvironmentCreated', { key: string; name: string; production: boolean }>;
export type EnvironmentChanged = DomainEvent<'EnvironmentChanged', { name: string; production: boolean }>;

export type EnvironmentEvent = EnvironmentCreated | EnvironmentChanged;

export const ENVIRONMENT_CATEGORY = 'environment';

export const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development', production: false },
  { key: 'staging', name: 'Staging', production: false },
  { key: 'production', name: 'Production', production: true },
] as const;
