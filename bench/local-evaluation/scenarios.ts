/**
 * The three flags of the local-evaluation target, described once in a neutral form that every
 * system's native format is derived from (systems.ts), and the contexts they are checked and timed on.
 *
 * Every rule serves `on`; when no rule matches, a flag serves either `off` or an `on` rollout of
 * `rolloutPercent`%. That is the common ground of the four systems: Unleash strategies can only turn a
 * toggle on, so a rule that serves `off` has no `isEnabled` equivalent.
 */
export interface Condition {
  readonly attribute: string;
  /** One value is an equality test, several an `in` list. */
  readonly values: readonly string[];
}

export interface FlagSpec {
  readonly key: string;
  /** Each rule is a conjunction of its conditions and serves `on`; the first that matches wins. */
  readonly rules: readonly (readonly Condition[])[];
  /** When set, contexts no rule matches are `on` for this share of units, hashed on the unit. */
  readonly rolloutPercent?: number;
}

/** A context as every system sees it: a bucketing unit and string attributes. */
export interface Subject {
  readonly unit: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Scenario {
  readonly name: string;
  readonly flag: FlagSpec;
  /** Contexts for the equivalence check: varied, so that every rule and both outcomes are exercised. */
  readonly checked: readonly Subject[];
  /** Contexts the timing rotates through, and the outcome each must have. */
  readonly timed: readonly Subject[];
  readonly timedOutcome: boolean | 'mixed';
}

/** The timing rotates through this many contexts (a power of two, so the loop masks instead of dividing). */
export const TIMED_CONTEXTS = 1_024;
const CHECKED_CONTEXTS = 20_000;

/** The deterministic part of a flag: does some rule match? (Everything else is the rollout.) */
export function ruleMatches(flag: FlagSpec, subject: Subject): boolean {
  return flag.rules.some((conditions) => conditions.every((c) => c.values.includes(subject.attributes[c.attribute] as string)));
}

/** mulberry32: a small seeded generator, so every run checks and times the same contexts. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const unit = (next: () => number, i: number): string => `user-${i}-${Math.floor(next() * 1e9).toString(36)}`;

function twoConditionsAndRollout(): Scenario {
  const flag: FlagSpec = {
    key: 'checkout-redesign',
    rules: [
      [
        { attribute: 'country', values: ['US', 'CA'] },
        { attribute: 'plan', values: ['premium'] },
      ],
    ],
    rolloutPercent: 25,
  };
  const countries = ['US', 'CA', 'FR', 'DE', 'GB', 'JP', 'BR', 'IN'];
  const plans = ['free', 'pro', 'premium'];
  const subjects = (seed: number, count: number): Subject[] => {
    const next = random(seed);
    return Array.from({ length: count }, (_, i) => ({ unit: unit(next, i), attributes: { country: pick(next, countries), plan: pick(next, plans) } }));
  };
  return {
    name: 'two-condition rule + 25% rollout',
    flag,
    checked: subjects(1, CHECKED_CONTEXTS),
    timed: subjects(2, TIMED_CONTEXTS),
    timedOutcome: 'mixed',
  };
}

const RULES = 20;
const attributeOf = (i: number): string => `attr${String(i + 1).padStart(2, '0')}`;
const valueOf = (i: number): string => `value-${i + 1}`;

function twentyRules(): Scenario {
  const flag: FlagSpec = {
    key: 'twenty-rules',
    rules: Array.from({ length: RULES }, (_, i) => [{ attribute: attributeOf(i), values: [valueOf(i)] }]),
  };
  // Checked: each attribute matches its rule 3% of the time, is missing 10% of the time, else differs.
  const checkedNext = random(3);
  const checked = Array.from({ length: CHECKED_CONTEXTS }, (_, i): Subject => {
    const attributes: Record<string, string> = {};
    for (let r = 0; r < RULES; r++) {
      const roll = checkedNext();
      if (roll < 0.03) attributes[attributeOf(r)] = valueOf(r);
      else if (roll >= 0.13) attributes[attributeOf(r)] = `other-${Math.floor(checkedNext() * 1000)}`;
    }
    return { unit: unit(checkedNext, i), attributes };
  });
  // Timed, the worst case: every attribute is present, and only the last rule matches.
  const timedNext = random(4);
  const timed = Array.from({ length: TIMED_CONTEXTS }, (_, i): Subject => {
    const attributes: Record<string, string> = {};
    for (let r = 0; r < RULES - 1; r++) attributes[attributeOf(r)] = `other-${Math.floor(timedNext() * 1000)}`;
    attributes[attributeOf(RULES - 1)] = valueOf(RULES - 1);
    return { unit: unit(timedNext, i), attributes };
  });
  return { name: '20 rules, only the last matches', flag, checked, timed, timedOutcome: true };
}

const LIST = 1_000;
const accountOf = (i: number): string => `acct-${String(i).padStart(6, '0')}`;

function inList(): { hit: Scenario; miss: Scenario } {
  const flag: FlagSpec = {
    key: 'allow-listed-accounts',
    rules: [[{ attribute: 'accountId', values: Array.from({ length: LIST }, (_, i) => accountOf(i)) }]],
  };
  // Checked: half the accounts are listed, and 5% of contexts have no account at all.
  const checkedNext = random(5);
  const checked = Array.from({ length: CHECKED_CONTEXTS }, (_, i): Subject => {
    const roll = checkedNext();
    return { unit: unit(checkedNext, i), attributes: roll < 0.05 ? {} : { accountId: accountOf(Math.floor(checkedNext() * 2 * LIST)) } };
  });
  const hitNext = random(6);
  const missNext = random(7);
  return {
    // Worst case for a list scan: the context's account is the last value of the list.
    hit: {
      name: '1,000-value in list, last value',
      flag,
      checked,
      timed: Array.from({ length: TIMED_CONTEXTS }, (_, i) => ({ unit: unit(hitNext, i), attributes: { accountId: accountOf(LIST - 1) } })),
      timedOutcome: true,
    },
    miss: {
      name: '1,000-value in list, not listed',
      flag,
      checked,
      timed: Array.from({ length: TIMED_CONTEXTS }, (_, i) => ({ unit: unit(missNext, i), attributes: { accountId: accountOf(LIST + i) } })),
      timedOutcome: false,
    },
  };
}

export function scenarios(): Scenario[] {
  const list = inList();
  return [twoConditionsAndRollout(), twentyRules(), list.hit, list.miss];
}
