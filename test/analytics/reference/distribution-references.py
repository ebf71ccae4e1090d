"""Reference values for test/analytics/distributions.unit.test.ts, computed with mpmath at 50 significant digits.

    python3 test/analytics/reference/distribution-references.py > test/analytics/reference/distribution-references.ts

mpmath (1.3.0 when generated) evaluates the regularized incomplete beta and gamma functions by hypergeometric
series at the working precision; t quantiles are roots of the mpmath CDF found with mpmath.findroot (scipy only
supplies the starting point). Every value is printed to 17 significant digits, more than a double holds.
"""
from mpmath import mp, mpf, betainc, gammainc, ncdf, npdf, loggamma, log, exp, inf, findroot, quad, beta
from scipy import stats

mp.dps = 50
HALF = mpf(1) / 2


def t_upper(t, nu):
    """P(T > t) for t > 0: ½·I_x(ν/2, ½), x = ν/(ν + t²); by quadrature where the series gives up."""
    t, nu = mpf(t), mpf(nu)
    try:
        return betainc(nu / 2, HALF, 0, nu / (nu + t * t), regularized=True) / 2
    except ValueError:
        c = exp(-log(nu) / 2 - log(beta(nu / 2, HALF)))
        return quad(lambda s: c * (1 + s * s / nu) ** (-(nu + 1) / 2), [t, t + 1, t + 10, inf])


def t_survival(t, nu):
    return mpf(1) / 2 if t == 0 else (t_upper(t, nu) if t > 0 else 1 - t_upper(-t, nu))


def t_quantile(p, nu):
    p, q = mpf(p), min(mpf(p), 1 - mpf(p))
    guess = abs(float(stats.t.ppf(float(q), float(nu))))
    root = exp(findroot(lambda u: log(t_upper(exp(u), nu)) - log(q), log(mpf(guess))))
    return root if p > HALF else -root


def n_quantile(p):
    p = mpf(p)
    return findroot(lambda x: log(ncdf(x)) - log(p), mpf(float(stats.norm.ppf(float(p))) if p > 1e-300 else -37))


def fmt(x):
    return format(float(x), '.17g')


rows = []
for x in [-37, -20, -8, -5, -3, -1.959963984540054, -1, -0.5, -1e-3, 0, 1e-9, 0.3, 1, 1.5, 2, 3, 5, 8, 20, 37]:
    rows.append(("normalCdf", [x], ncdf(x)))
    rows.append(("normalSurvival", [x], ncdf(-mpf(x))))
    rows.append(("normalPdf", [x], npdf(x)))
for p in [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.6, 0.8, 0.95, 0.975, 0.99, 0.999999]:
    rows.append(("normalQuantile", [p], n_quantile(p) if p != 0.5 else mpf(0)))

DFS = [0.5, 1, 1.5, 2.7, 4, 9.3, 30, 55.707449148622057, 100, 999.5, 1999, 2001, 5841.7420320935643, 1e5, 1e7, 1e10]
for nu in DFS:
    for t in [-3, 0.01, 0.5, 1, 1.96, 2.5, 4, 8, 20]:
        rows.append(("studentTSurvival", [t, nu], t_survival(t, nu)))
    rows.append(("studentTCdf", [-2.2, nu], t_survival(2.2, nu)))
    for p in [1e-10, 0.0005, 0.025, 0.05, 0.3, 0.7, 0.9, 0.95, 0.975, 0.995, 0.999999]:
        rows.append(("studentTQuantile", [p, nu], t_quantile(p, nu)))

for k in [0.5, 1, 2, 3, 4.5, 10, 30, 100, 1000]:
    for x in [1e-6, 0.5, 1, 3.841458820694124, 10, 18.181818181818183, 50, 150, 1200]:
        rows.append(("chiSquareCdf", [x, k], gammainc(mpf(k) / 2, 0, mpf(x) / 2, regularized=True)))
        rows.append(("chiSquareSurvival", [x, k], gammainc(mpf(k) / 2, mpf(x) / 2, inf, regularized=True)))

for x in [1e-8, 0.1, 0.5, 1, 1.5, 2.5, 10, 171.5, 1e5, 1e9]:
    rows.append(("logGamma", [x], loggamma(x)))
for a, b in [(0.5, 0.5), (0.5, 3), (2.5, 7), (0.5, 15), (3, 2e6), (12, 40), (5e5, 0.5), (1e8, 1e8)]:
    rows.append(("logBeta", [a, b], log(beta(mpf(a), mpf(b)))))

# Regularized incomplete beta directly, where the t distribution (b = ½) never goes: both parameters large (ln B by
# Stirling, not by cancelling log-gammas), one large, x on either side of (a + 1)/(a + b + 2) and of ½.
def beta_pair(a, b, x):
    """(I_x(a, b), 1 − I_x(a, b)): mpmath's series, or where both parameters are large (and it gives up) quadrature of
    the density, split at points a few standard deviations apart around its mode so the peak is resolved."""
    if min(a, b) < 1000:
        return betainc(a, b, 0, x, regularized=True), betainc(a, b, x, 1, regularized=True)
    log_b = log(beta(a, b))
    density = lambda u: exp((a - 1) * log(u) + (b - 1) * log(1 - u) - log_b)
    mode, sd = (a - 1) / (a + b - 2), (a * b / ((a + b) ** 2 * (a + b + 1))) ** HALF
    points = sorted({min(max(mode + k * sd, mpf(0)), mpf(1)) for k in (-60, -30, -15, -8, -4, -2, -1, 0, 1, 2, 4, 8, 15, 30, 60)})
    return quad(density, [u for u in points if u < x] + [x]), quad(density, [x] + [u for u in points if u > x])


for a, b, x in [(2e6, 2e6, 0.50025), (1e5, 1e5, 0.5012), (3e4, 5e4, 0.37), (0.5, 1e7, 5e-8), (3, 1e8, 3e-8), (12, 40, 0.2), (12, 40, 0.25), (0.5, 15, 0.01), (15, 0.5, 0.99),
                (2, 3, 0.5), (2, 3, 0.3), (3, 2, 0.7), (0.5, 0.5, 0.5), (4, 4, 0.45), (4, 4, 0.55), (7, 2, 0.999)]:
    a, b, x = mpf(a), mpf(b), mpf(x)
    lower, upper = beta_pair(a, b, x)
    rows.append(("regularizedBetaLower", [a, b, x], lower))
    rows.append(("regularizedBetaUpper", [a, b, x], upper))
# y = 1 − x given exactly and x only rounded (as the t distribution passes them): the tails must come from y.
for a, b, y in [(1e6, 0.5, 7e-7), (3, 2, 1e-9)]:
    a, b, y = mpf(a), mpf(b), mpf(y)
    upper = betainc(b, a, 0, y, regularized=True)
    rows.append(("regularizedBetaLower", [a, b, 1 - y, y], 1 - upper))
    rows.append(("regularizedBetaUpper", [a, b, 1 - y, y], upper))
# Regularized incomplete gamma either side of x = a + 1 (series below, continued fraction above).
for a, x in [(0.5, 1e-3), (3, 3.9), (3, 4), (3, 4.1), (50, 40), (50, 60), (0.1, 5), (200, 260)]:
    a, x = mpf(a), mpf(x)
    rows.append(("regularizedGammaLower", [a, x], gammainc(a, 0, x, regularized=True)))
    rows.append(("regularizedGammaUpper", [a, x], gammainc(a, x, inf, regularized=True)))


def cornish_fisher(q, nu):
    """Abramowitz & Stegun 26.7.5: t_q ≈ z + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴, z the upper normal q-quantile."""
    z = -n_quantile(q)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z, z + g1 / nu + g2 / nu**2 + g3 / nu**3 + g4 / nu**4


def t_start(q, nu):
    """Newton's start for P(T > t) = q: Cornish–Fisher, or for ν < 3 the power-law tail
    P(T > t) ≈ ν^(ν/2)·t^(−ν) / (ν·B(ν/2, ½)) solved for t if further out; max(z, 1) if that overflows a double."""
    q, nu = mpf(q), mpf(nu)
    z, t = cornish_fisher(q, nu)
    if nu < 3:
        t = max(t, exp((nu / 2 * log(nu) - log(beta(nu / 2, HALF)) - log(nu * q)) / nu))
    return max(z, 1) if t > 1.7976931348623157e308 else t


for nu in [0.02, 0.3, 1, 2.5, 3, 4, 30, 1000]:
    for q in [1e-10, 0.0005, 0.025, 0.3, 0.45]:
        rows.append(("tQuantileStart", [q, nu], t_start(q, nu)))

print("// Generated by distribution-references.py beside this file (mpmath, 50 digits); do not edit by hand.")
print("export const REFERENCES: readonly (readonly [fn: string, args: readonly number[], expected: number])[] = [")
for fn, args, value in rows:
    print(f"  ['{fn}', [{', '.join(fmt(a) for a in args)}], {fmt(value)}],")
print("];")
