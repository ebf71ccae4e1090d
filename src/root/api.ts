import { statsOperations } from '../analytics/stats/stats-routes.ts';
import { resultsOperations } from '../analytics/results-routes.ts';
import { experimentOperations } from '../experiments/experiment-routes.ts';
import { healthOperation } from '../http/admin-app.ts';
import type { ApiDescription } from '../http/openapi/openapi-document.ts';
import { openApiOperations } from '../http/openapi/openapi-routes.ts';
import type { OperationSpec } from '../http/operation.ts';
import { metricsOperation } from '../observability/metrics-routes.ts';
import { readAdminOperations } from '../read/read-admin-routes.ts';
import { readApiOperations } from '../read/read-api-operations.ts';
import { timeTravelOperations } from '../read/time-travel/time-travel-routes.ts';
import { accessOperations } from '../write/access/access-routes.ts';
import { auditOperations } from '../write/audit/audit-routes.ts';
import { environmentRollbackOperations } from '../write/environments/environment-rollback-routes.ts';
import { environmentOperations } from '../write/environments/environment-routes.ts';
import { flagHistoryOperations } from '../write/flags/flag-history-routes.ts';
import { flagOperations } from '../write/flags/flag-routes.ts';
import { scheduleOperations } from '../write/flags/schedule-routes.ts';
import { segmentOperations } from '../write/segments/segment-routes.ts';

/** The groups of the API reference, in the order it shows them. */
export const API_TAGS = {
  flags: 'Feature flags, their targeting per environment, history and rollback',
  segments: 'Reusable audiences',
  environments: 'Environments, their snapshots and rollbacks',
  experiments: 'Experiments, metrics and results',
  stats: 'The stats engine on supplied statistics',
  access: 'Admin tokens and SDK keys',
  audit: 'The global change feed',
  operations: 'Health, read-model administration, this document',
  evaluation: 'Evaluation for applications and SDKs (SDK keys)',
  ofrep: 'OpenFeature Remote Evaluation Protocol (SDK keys)',
} as const;

/** Every operation Flagstaff serves, as each slice declares it: what `/openapi.json` describes. */
export const API_OPERATIONS: readonly OperationSpec[] = [
  flagOperations,
  flagHistoryOperations,
  scheduleOperations,
  segmentOperations,
  environmentOperations,
  environmentRollbackOperations,
  timeTravelOperations,
  experimentOperations,
  resultsOperations,
  statsOperations,
  accessOperations,
  auditOperations,
  readAdminOperations,
  { healthOperation, metricsOperation },
  openApiOperations,
  readApiOperations,
].flatMap((declared) => Object.values(declared));

export const API: ApiDescription = { operations: API_OPERATIONS, tags: API_TAGS };
