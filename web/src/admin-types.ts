import type { Condition, Targeting } from './types.ts';

/** The admin API's shapes for the access, segment, environment and stale-flag pages (src/write/access, segments, environments, flags). */
export type SdkKeyKind = 'server' | 'client';
export type AdminRole = 'viewer' | 'editor' | 'admin';

export interface SdkKey {
  id: string;
  name: string;
  environment: string;
  kind: SdkKeyKind;
  revoked: boolean;
  createdAt: string;
  /** The actor that issued it: `token:<name>#<id>` or `bootstrap-admin`. */
  createdBy: string | null;
}
/** The creation response: the only one that carries the secret. */
export interface IssuedSdkKey extends SdkKey {
  key: string;
}

export interface AdminToken {
  id: string;
  name: string;
  role: AdminRole;
  revoked: boolean;
  createdAt: string;
}
export interface IssuedAdminToken extends AdminToken {
  token: string;
}
/** Who the signed-in token is (GET /admin/tokens/current); `bootstrap` for the configured token. */
export interface CurrentToken {
  id: string;
  actor: string;
  role: AdminRole;
}

export interface SegmentDefinition {
  description: string;
  conditions: Condition[];
  included: string[];
  excluded: string[];
}
export interface SegmentResource extends SegmentDefinition {
  key: string;
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
}

export interface EnvironmentResource {
  key: string;
  name: string;
  production: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type StaleReason = 'not-evaluated' | 'single-variant';
export interface StaleFlag {
  key: string;
  type: string;
  description: string;
  archived: boolean;
  version: number;
  updatedAt: string;
  enabled: Record<string, boolean>;
  stale: {
    reason: StaleReason;
    staleDays: number;
    lastEvaluatedAt: string | null;
    evaluations: number;
    variants: Record<string, number>;
  };
}

export type ScheduleStatus = 'pending' | 'applied' | 'failed' | 'cancelled';
/** What a schedule does at its time: a toggle, or the whole targeting of its environment (PUT …/environments/:env). */
export type ScheduledChange = { enabled: boolean } | { targeting: Targeting };
/** A scheduled change of one environment of a flag (GET /admin/flags/:key/environments/:env/schedules). */
export interface FlagSchedule {
  id: string;
  flagKey: string;
  environment: string;
  at: string;
  change: ScheduledChange;
  status: ScheduleStatus;
  createdBy: string;
  reason: string | null;
  /** The flag version it is bound to: it fails if the flag changed after it. */
  ifVersion: number | null;
  /** Once applied: how long after `at`, and whether that broke the promise of within a second. */
  lateByMs?: number;
  late?: boolean;
  /** Once failed: why. */
  failure?: string;
}
