/**
 * A small seeded generator for the simulations, so every run draws the same numbers: mulberry32 for uniforms,
 * Box–Muller for normals, Marsaglia–Tsang for gammas (hence exact χ² draws for the spread of simulated samples).
 */
export class SeededRandom {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform on [0, 1). mulberry32 (Tommy Ettinger): passes gjrand's and PractRand's basic batteries at 32 bits. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal by Box–Muller; each pair of uniforms gives two independent normals. */
  normal(): number {
    if (this.spare !== undefined) {
      const spare = this.spare;
      this.spare = undefined;
      return spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: ln 0 would be −∞
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1)·U^(1/shape). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = 1 - this.uniform();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** χ² on k degrees of freedom: 2·Gamma(k/2). */
  chiSquare(k: number): number {
    return 2 * this.gamma(k / 2);
  }

  /** Binomial(n, p) by counting Bernoulli draws: exact, and fast enough for the n the tests use. */
  binomial(n: number, p: number): number {
    let count = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) count++;
    return count;
  }
}

/**
 * The exact sufficient statistics of n draws from N(mean, sd²) without drawing them: Σy = n·mean + sd·√n·Z and
 * Σ(y − ȳ)² = sd²·χ²_{n−1} independently of Σy (Cochran), so Σy² = (Σy)²/n + sd²·χ²_{n−1}.
 */
export function normalSample(random: SeededRandom, n: number, mean: number, sd: number): { n: number; sum: number; sumSquares: number } {
  const sum = n * mean + sd * Math.sqrt(n) * random.normal();
  return { n, sum, sumSquares: (sum * sum) / n + sd * sd * random.chiSquare(n - 1) };
}

/** Sufficient statistics of two samples pooled: the sums add. */
export function pooled(a: { n: number; sum: number; sumSquares: number }, b: { n: number; sum: number; sumSquares: number }): { n: number; sum: number; sumSquares: number } {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}
