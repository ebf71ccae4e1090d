/** Environments where changing a flag asks first, with a reason: a kill switch in production is worth a second look. */
const CONFIRMED_ENVIRONMENTS = new Set(['production']);

export function asksBeforeChanging(environment: string): boolean {
  return CONFIRMED_ENVIRONMENTS.has(environment);
}
