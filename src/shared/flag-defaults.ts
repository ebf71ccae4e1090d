import type { FlagType, Variants } from './flag-events.ts';
import type { Targeting } from './targeting.ts';

/**
 * Targeting of an environment a flag was never configured in: off, serving the off variant. A boolean flag
 * serves `on` by default once enabled, so switching it on does what the switch says (as LaunchDarkly does).
 * Both sides use it: the write side to validate and show, the read side to evaluate.
 */
export function defaultTargeting(flag: { readonly type: FlagType; readonly variants: Variants }): Targeting {
  const names = Object.keys(flag.variants);
  const offVariant = flag.type === 'boolean' ? 'off' : names[0]!;
  const served = flag.type === 'boolean' ? 'on' : names[0]!;
  return { enabled: false, offVariant, bucketBy: 'targetingKey', prerequisites: [], targets: [], rules: [], defaultServe: { variant: served } };
}
