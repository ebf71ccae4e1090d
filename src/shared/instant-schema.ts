import { z } from 'zod';

/**
 * Every instant a request names (a flag's and a snapshot's `?at`, explain's `at`, rollbacks' `toTime`, the audit
 * feed's `from` and `to`) is read by this one schema, with one rule: an ISO 8601 date-time with a time zone,
 * any year from 0000 to 9999, taken as the moment of the log it names. Nothing is recorded before 1970, so an
 * earlier time reads as 1970-01-01 (nothing existed then: a 404, or an empty feed); nothing is recorded after
 * now, so a later time reads as now (the configuration as it is). The stores are thereby never asked about a
 * time they cannot represent (PostgreSQL has no year 0).
 */
export const instantSchema = z
  .iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, such as 2025-01-31T12:00:00Z' })
  .transform((text) => new Date(Math.min(Math.max(Date.parse(text), 0), Date.now())));
