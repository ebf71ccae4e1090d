"""The degenerate comparisons of test/analytics/degenerate-comparisons.unit.test.ts recomputed from their formulas
with mpmath at 40 digits: a binomial arm without variance judged on the absolute difference, and two such arms
with different means on the Agresti-Caffo variance (one success and one failure added to each arm).
Run: python3 test/analytics/reference/degenerate-references.py
"""
from mpmath import mp, mpf, sqrt, log, betainc, ncdf, npdf, findroot, exp

mp.dps = 40
HALF = mpf(1) / 2
ALPHA = mpf('0.05')


def t_upper(t, nu):
    return betainc(nu / 2, HALF, 0, nu / (nu + t * t), regularized=True) / 2


def t_quantile_upper(q, nu):  # t with P(T > t) = q
    return exp(findroot(lambda u: log(t_upper(exp(u), nu)) - log(q), mpf(0.7)))


def z_quantile_upper(q):
    return findroot(lambda x: ncdf(-x) - q, mpf(2))


def binomial_arm(n, s):
    n = mpf(n)
    p = s / n
    return n, p, p * (1 - p)


def welch(c, t):
    (nc, _, vc), (nt, _, vt) = c, t
    return (vt / nt + vc / nc) ** 2 / (vt ** 2 / (nt ** 2 * (nt - 1)) + vc ** 2 / (nc ** 2 * (nc - 1)))


def variance(c, t):
    (nc, _, vc), (nt, _, vt) = c, t
    return vt / nt + vc / nc


def frequentist(d, v, nu):
    q = t_quantile_upper(ALPHA / 2, nu) * sqrt(v)
    return dict(df=nu, se=sqrt(v), ci=(d - q, d + q), p=2 * t_upper(abs(d) / sqrt(v), nu))


def sequential(d, v, n, tuning=5000):
    def half(log_alpha):
        rho2 = (-2 * log_alpha + log(1 - 2 * log_alpha)) / tuning
        return sqrt(v) * sqrt((n * rho2 + 1) / (n * rho2) * (log(n * rho2 + 1) - 2 * log_alpha))
    if half(mpf('-1e-12')) >= abs(d):  # inside the sequence even as α → 1
        p = mpf(1)
    else:
        p = exp(findroot(lambda u: half(u) - abs(d), (mpf(-700), mpf('-1e-9')), solver='illinois'))
    h = half(log(ALPHA))
    return dict(ci=(d - h, d + h), p=p)


def bayesian_lower_is_better(d, v):
    s = sqrt(v)
    z = z_quantile_upper(ALPHA / 2)
    return dict(chanceToWin=ncdf(-d / s), ci=(d - z * s, d + z * s), risk=s * npdf(d / s) + d * ncdf(d / s),
                riskControl=s * npdf(d / s) - d * ncdf(-d / s))


def show(name, value):
    print(name, {k: ([float(x) for x in v] if isinstance(v, tuple) else float(v)) for k, v in value.items()})


for name, (c, t) in {'fewer errors': ((1000, 20), (1000, 0)), 'errors from none': ((1000, 0), (1000, 300))}.items():
    c, t = binomial_arm(*c), binomial_arm(*t)
    d, v = t[1] - c[1], variance(c, t)
    show(f'{name}: frequentist', frequentist(d, v, welch(c, t)))
    show(f'{name}: sequential', sequential(d, v, c[0] + t[0]))
    show(f'{name}: bayesian', bayesian_lower_is_better(d, v))

for name, (c, t) in {'none against all, 2 units': ((2, 0), (2, 2)), 'none against all, 1000 units': ((1000, 0), (1000, 1000))}.items():
    d = mpf(t[1]) / t[0] - mpf(c[1]) / c[0]  # the observed difference; only the variance is smoothed
    sc, st = binomial_arm(c[0] + 2, c[1] + 1), binomial_arm(t[0] + 2, t[1] + 1)
    v = variance(sc, st)
    show(f'{name}: frequentist', frequentist(d, v, welch(sc, st)))
    if c[0] == 2:  # with 1000 units the p-values are beyond the smallest double
        show(f'{name}: sequential', sequential(d, v, c[0] + t[0]))
        show(f'{name}: bayesian', bayesian_lower_is_better(d, v))
