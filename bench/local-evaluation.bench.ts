import { compared, machine, type BenchReport, type Measurement } from './harness.ts';
import { ruleMatches, scenarios, type Scenario } from './local-evaluation/scenarios.ts';
import { systems, type LoadedFlag, type System } from './local-evaluation/systems.ts';
import { bytesPerEvaluation, calibrate, median, newLoop, time, type Loop } from './local-evaluation/timing.ts';

/**
 * The target: local evaluation at least 3× faster than the fastest of @openfeature/flagd-core,
 * @growthbook/growthbook and unleash-client on equivalent flags. Each flag is written in every system's
 * native format (local-evaluation/systems.ts), the four are checked to agree on thousands of contexts before
 * anything is timed. Then, in each of ROUNDS rounds, every system is timed on every scenario for at least
 * SECONDS, in SLICES slices taken in turn with the other systems'; the figures are the medians of the rounds.
 */
const ROUNDS = 5;
const SECONDS = 1;
const SLICES = 10;
const WARM_UP_SECONDS = 0.5;
const BATCH_NS = 10e6;
const TARGET_RATIO = 3;
/** A 25% rollout must put 25% ± this many points of the contexts no rule matches in. */
const ROLLOUT_TOLERANCE = 1.5;

interface Contender {
  readonly system: System;
  readonly flag: LoadedFlag;
  readonly contexts: readonly unknown[];
  readonly loop: Loop;
  batch: number;
  readonly ns: number[];
}

interface Equivalence {
  readonly checked: number;
  readonly matched: number;
  /** Per system, the share of contexts matching no rule that the rollout served on, in percent. */
  readonly rolloutShares?: ReadonlyMap<System, number>;
}

/** Throws unless every system gives the deterministic outcome on every checked and timed context. */
function checkEquivalence(scenario: Scenario, contenders: readonly Contender[]): Equivalence {
  const { flag } = scenario;
  const problems: string[] = [];
  const rolloutOn = new Map<System, number>(contenders.map((c) => [c.system, 0]));
  let matched = 0;
  for (const subject of scenario.checked) {
    const expected = ruleMatches(flag, subject);
    if (expected) matched++;
    for (const { system, flag: loaded } of contenders) {
      const on = loaded.isOn(loaded.context(subject));
      if (!expected && flag.rolloutPercent !== undefined) {
        if (on) rolloutOn.set(system, rolloutOn.get(system)! + 1);
      } else if (on !== expected && problems.length < 10) {
        problems.push(`${system.name} says ${on ? 'on' : 'off'} for ${JSON.stringify(subject)}, the rules say ${expected ? 'on' : 'off'}`);
      }
    }
  }
  for (const { system, flag: loaded, contexts } of contenders) {
    if (scenario.timedOutcome === 'mixed') continue;
    const wrong = contexts.filter((context) => loaded.isOn(context) !== scenario.timedOutcome).length;
    if (wrong > 0) problems.push(`${system.name} gives the wrong outcome on ${wrong} of the timed contexts`);
  }
  let rolloutShares: Map<System, number> | undefined;
  if (flag.rolloutPercent !== undefined) {
    const unmatched = scenario.checked.length - matched;
    rolloutShares = new Map([...rolloutOn].map(([system, on]) => [system, (on / unmatched) * 100]));
    for (const [system, share] of rolloutShares) {
      if (Math.abs(share - flag.rolloutPercent) > ROLLOUT_TOLERANCE) {
        problems.push(`${system.name}'s ${flag.rolloutPercent}% rollout served ${share.toFixed(2)}% of ${unmatched} contexts`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`The flags of "${scenario.name}" are not equivalent:\n  ${problems.join('\n  ')}`);
  return { checked: scenario.checked.length, matched, ...(rolloutShares ? { rolloutShares } : {}) };
}

async function prepare(scenario: Scenario): Promise<Contender[]> {
  const contenders: Contender[] = [];
  for (const system of systems) {
    const flag = await system.load(scenario.flag);
    const contexts = scenario.timed.map((subject) => flag.context(subject));
    contenders.push({ system, flag, contexts, loop: newLoop(`${scenario.name} / ${system.name}`), batch: 0, ns: [] });
  }
  return contenders;
}

function warmUp(contender: Contender): void {
  const { loop, flag, contexts } = contender;
  contender.batch = calibrate(loop, flag.isOn, contexts, BATCH_NS);
  time(loop, flag.isOn, contexts, contender.batch, WARM_UP_SECONDS * 1e9);
  contender.batch = calibrate(loop, flag.isOn, contexts, BATCH_NS); // again, now that it is optimised
}

const evaluationsPerSecond = (ns: number): number => 1e9 / ns;
const perSecond = (ns: number): string => `${Math.round(evaluationsPerSecond(ns)).toLocaleString('en-US')} evaluations/s`;

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const all = scenarios();
  const prepared: { scenario: Scenario; contenders: Contender[]; equivalence: Equivalence }[] = [];
  for (const scenario of all) {
    const contenders = await prepare(scenario);
    const equivalence = checkEquivalence(scenario, contenders);
    const shares = equivalence.rolloutShares ? `; rollout served on: ${[...equivalence.rolloutShares].map(([s, p]) => `${s.name} ${p.toFixed(2)}%`).join(', ')}` : '';
    console.log(`  ✓ ${scenario.name}: ${equivalence.checked} contexts checked, ${equivalence.matched} match a rule, all systems agree${shares}`);
    prepared.push({ scenario, contenders, equivalence });
  }

  // Warm every system on every scenario before timing any: type feedback then reflects a process that
  // evaluates many different flags, as an application does, whichever scenario happens to be timed first.
  for (const { contenders } of prepared) for (const contender of contenders) warmUp(contender);

  for (let round = 0; round < ROUNDS; round++) {
    for (const { scenario, contenders } of prepared) {
      // Each system's second is cut into slices taken in turn with the others', so a burst of load from
      // elsewhere on the machine falls on all of them alike; who goes first rotates with the round.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      const totals = new Map(order.map((c) => [c, { ns: 0, evaluations: 0 }]));
      for (let slice = 0; slice < SLICES; slice++) {
        for (const contender of order) {
          const timed = time(contender.loop, contender.flag.isOn, contender.contexts, contender.batch, (SECONDS * 1e9) / SLICES);
          if (scenario.timedOutcome !== 'mixed' && timed.on !== (scenario.timedOutcome ? timed.evaluations : 0)) {
            throw new Error(`${contender.system.name} changed its answer on "${scenario.name}" while being timed`);
          }
          const total = totals.get(contender)!;
          total.ns += timed.nsPerEvaluation * timed.evaluations;
          total.evaluations += timed.evaluations;
        }
      }
      for (const [contender, total] of totals) contender.ns.push(total.ns / total.evaluations);
    }
    console.log(`  round ${round + 1}/${ROUNDS} done`);
  }

  const measurements: Measurement[] = [];
  for (const { scenario, contenders, equivalence } of prepared) {
    const medians = new Map(contenders.map((c) => [c, median(c.ns)]));
    for (const [contender, ns] of medians) {
      measurements.push({
        name: `${scenario.name}: ${contender.system.name}`,
        value: ns,
        unit: 'ns/evaluation',
        notes: `${perSecond(ns)}; median of ${ROUNDS} rounds of ≥ ${SECONDS} s: ${contender.ns.map((v) => v.toFixed(1)).join(', ')} ns. ${contender.system.encoding}`,
      });
    }
    const ours = contenders.find((c) => c.system.ours)!;
    const fastest = contenders.filter((c) => !c.system.ours).reduce((a, b) => (medians.get(a)! <= medians.get(b)! ? a : b));
    const baseline: Measurement = { name: `${scenario.name}: ${fastest.system.name}`, value: evaluationsPerSecond(medians.get(fastest)!), unit: 'evaluations/s' };
    measurements.push(
      compared(`${scenario.name}: Flagstaff vs the fastest competitor`, evaluationsPerSecond(medians.get(ours)!), 'evaluations/s', baseline, {
        target: `≥ ${TARGET_RATIO}×`,
        notes: `Ratio of medians. Per round: ${ours.ns.map((ns, i) => (fastest.ns[i]! / ns).toFixed(2)).join(', ')}.`,
      }),
    );
    measurements.push({
      name: `${scenario.name}: Flagstaff heap allocated per evaluation`,
      value: bytesPerEvaluation(ours.loop, ours.flag.isOn, ours.contexts),
      unit: 'bytes',
      notes: 'Growth of heapUsed over 10,000 evaluations after a full GC, less an empty loop; median of 11 trials.',
    });
    measurements.push({
      name: `${scenario.name}: equivalence check, contexts on which all systems agree`,
      value: equivalence.checked,
      unit: 'contexts',
      notes:
        `${equivalence.matched} match a rule (every system on), ${equivalence.checked - equivalence.matched} match none ` +
        (equivalence.rolloutShares ? '(each system rolls out on its own hash; shares below)' : '(every system off)') +
        '; the timed contexts were checked too.',
    });
    for (const [system, share] of equivalence.rolloutShares ?? []) {
      measurements.push({
        name: `${scenario.name}: contexts matching no rule that the rollout serves on, ${system.name}`,
        value: share,
        unit: '%',
        target: `${scenario.flag.rolloutPercent}% ± ${ROLLOUT_TOLERANCE}`,
      });
    }
    for (const contender of contenders) contender.flag.close();
  }
  return { bench: 'local-evaluation', startedAt, machine: machine(), measurements };
}
