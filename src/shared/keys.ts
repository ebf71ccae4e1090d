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
