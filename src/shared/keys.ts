import { z } from 'zod';

/** Keys of flags, segments, environments, experiments and metrics: lower case, URL- and SQL-safe, at most 128 characters. */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * Names of JavaScript's object machinery. Keys name members of plain objects throughout (a flag's targeting per
 * environment, the read model's flags, segments and environments), where looking up an absent `constructor`
 * finds the inherited one; so no key, variant name or other map key may be one of these. (`__proto__` cannot
 * even be stored as an own member.) Context attributes may: evaluation reads own attributes only.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED = 'is a reserved name (__proto__, constructor and prototype are)';

export const keySchema = z
  .string()
  .regex(KEY_PATTERN, 'must match ^[a-z0-9][a-z0-9._-]{0,127}$ (lower-case letters, digits, ".", "_", "-")')
  .refine((key) => !RESERVED_NAMES.has(key), RESERVED);

/** Context attribute names: what applications send, so a little more liberal than keys. */
export const attributeSchema = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_.:$-]{0,127}$/, 'must be an attribute name of letters, digits, "_", ".", ":", "-"');

/** Names that key a map in a request body (variant names): any string but a reserved name. */
export const mapKeySchema = z.string().refine((name) => !RESERVED_NAMES.has(name), RESERVED);
