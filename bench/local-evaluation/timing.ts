import v8 from 'node:v8';
import vm from 'node:vm';
import { TIMED_CONTEXTS } from './scenarios.ts';

/** Evaluates `n` times, rotating through `contexts`; returns how many evaluations answered on. */
export type Loop = (isOn: (context: unknown) => boolean, contexts: readonly unknown[], n: number) => number;

/**
 * Every system and scenario gets a loop compiled from its own source text: V8 keeps type feedback per
 * function, so a shared loop would see five callees at one call site and slow them all down alike,
 * which flatters whoever is slowest. Each loop's call site sees one callee, as an application's would.
 */
export function newLoop(label: string): Loop {
  const body = `// ${label.replace(/[\r\n]/g, ' ')}
'use strict';
let on = 0;
for (let i = 0; i < n; i++) if (isOn(contexts[i & ${TIMED_CONTEXTS - 1}])) on++;
return on;`;
  return new Function('isOn', 'contexts', 'n', body) as Loop;
}

export interface Timed {
  readonly evaluations: number;
  readonly on: number;
  readonly nsPerEvaluation: number;
}

/** Runs batches of `batch` evaluations until at least `minNs` nanoseconds have passed. */
export function time(loop: Loop, isOn: (context: unknown) => boolean, contexts: readonly unknown[], batch: number, minNs: number): Timed {
  let evaluations = 0;
  let on = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  do {
    on += loop(isOn, contexts, batch);
    evaluations += batch;
    elapsed = Number(process.hrtime.bigint() - started);
  } while (elapsed < minNs);
  return { evaluations, on, nsPerEvaluation: elapsed / evaluations };
}

/** The batch size that takes about `targetNs`, so that reading the clock costs nothing measurable. */
export function calibrate(loop: Loop, isOn: (context: unknown) => boolean, contexts: readonly unknown[], targetNs: number): number {
  let batch = TIMED_CONTEXTS;
  for (;;) {
    const { nsPerEvaluation } = time(loop, isOn, contexts, batch, 0);
    if (nsPerEvaluation * batch >= targetNs || batch >= 2 ** 24) return batch;
    batch *= 2;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

let collect: (() => void) | undefined;

/** A full collection on demand: the flag can be set at run time, and a new context then exposes `gc`. */
function gc(): () => void {
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  return collect;
}

/**
 * Heap bytes allocated per evaluation: the growth of the used heap over `n` evaluations, right after a full
 * collection, minus the same loop around a callee that allocates nothing; the median of several trials,
 * since a scavenge in the middle of a trial shrinks the heap instead.
 */
export function bytesPerEvaluation(loop: Loop, isOn: (context: unknown) => boolean, contexts: readonly unknown[], n = 10_000, trials = 11): number {
  const full = gc();
  const trial = (callee: (context: unknown) => boolean, run: Loop): number => {
    full();
    const before = process.memoryUsage().heapUsed;
    run(callee, contexts, n);
    return process.memoryUsage().heapUsed - before;
  };
  const emptyLoop = newLoop('allocation baseline');
  const nothing = (context: unknown): boolean => context !== undefined;
  for (let i = 0; i < 5; i++) emptyLoop(nothing, contexts, n); // compiled before it is measured: code lives on the heap too
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) samples.push((trial(isOn, loop) - trial(nothing, emptyLoop)) / n);
  return Math.max(0, median(samples));
}
