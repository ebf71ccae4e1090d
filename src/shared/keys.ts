import { z } from 'zod';

/** Keys of flags, segments, environments, experiments and metrics (SPEC section 3). */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export const keySchema = z
  .string()
  .regex(KEY_PATTERN, 'must match ^[a-z0-9][a-z0-9._-]{0,127}$ (lower-case letters, digits, ".", "_", "-")');

/** Context attribute names: what applications send, so a little more liberal than keys. */
export const attributeSchema = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_.:$-]{0,127}$/, 'must be an attribute name of letters, digits, "_", ".", ":", "-"');

/**
 * Names that key a map in a request body (variant names). The three names of JavaScript's object machinery are
 * refused: `__proto__` cannot be an own member of a plain object at all, and `constructor`/`prototype` read as
 * inherited members wherever a lookup is not an own-property check. (Context attributes may be named
 * `constructor`: evaluation reads own attributes only.)
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const mapKeySchema = z.string().refine((name) => !RESERVED_NAMES.has(name), 'is a reserved name (__proto__, constructor and prototype are)');
