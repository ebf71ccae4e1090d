"""The worked examples of docs/statistics.md recomputed from their formulas with mpmath at 40 digits, for
test/analytics/golden-cases.unit.test.ts (which holds the engine to these to 1e-9 relative, beyond the digits
the document prints).  Run: python3 test/analytics/reference/golden-references.py
"""
from mpmath import mp, mpf, sqrt, log, betainc, ncdf, npdf, findroot, exp

mp.dps = 40
HALF = mpf(1) / 2


def t_upper(t, nu):
    return betainc(nu / 2, HALF, 0, nu / (nu + t * t), regularized=True) / 2


def t_quantile_upper(q, nu):  # t with P(T > t) = q
    return exp(findroot(lambda u: log(t_upper(exp(u), nu)) - log(q), mpf(0.7)))


def z_quantile_upper(q):
    return findroot(lambda x: ncdf(-x) - q, mpf(2))


def arm(n, s, q, binomial=False):
    n, s, q = mpf(n), mpf(s), mpf(q)
    m = s / n
    return n, m, (m * (1 - m) if binomial else (q - s * s / n) / (n - 1))


def welch(c, t):
    (nc, _, vc), (nt, _, vt) = c, t
    return (vt / nt + vc / nc) ** 2 / (vt ** 2 / (nt ** 2 * (nt - 1)) + vc ** 2 / (nc ** 2 * (nc - 1)))


def relative(c, t):
    (nc, mc, vc), (nt, mt, vt) = c, t
    return (mt - mc) / abs(mc), vt / (nt * mc ** 2) + mt ** 2 * vc / (nc * mc ** 4)


def absolute(c, t):
    (nc, mc, vc), (nt, mt, vt) = c, t
    return mt - mc, vt / nt + vc / nc


def welch_test(d, v, nu, alpha=mpf('0.05')):
    q = t_quantile_upper(alpha / 2, nu) * sqrt(v)
    return dict(estimate=d, ci=(d - q, d + q), p=2 * t_upper(abs(d) / sqrt(v), nu))


def bayes(d, v, prior=None, alpha=mpf('0.05')):
    tau = 1 / v + (1 / prior[1] if prior else 0)
    mu = (d / v + (prior[0] / prior[1] if prior else 0)) / tau
    s = 1 / sqrt(tau)
    z = z_quantile_upper(alpha / 2)
    return dict(chanceToWin=ncdf(mu / s), ci=(mu - z * s, mu + z * s), risk=s * npdf(mu / s) - mu * ncdf(-mu / s),
                riskControl=s * npdf(mu / s) + mu * ncdf(mu / s))


def sequential(d, v, n, tuning, alpha=mpf('0.05')):
    rho2 = (-2 * log(alpha) + log(1 - 2 * log(alpha))) / tuning
    half = sqrt(v) * sqrt((n * rho2 + 1) / (n * rho2) * log((n * rho2 + 1) / alpha ** 2))
    return dict(estimate=d, ci=(d - half, d + half))


def show(name, value):
    print(name, {k: ([float(x) for x in v] if isinstance(v, tuple) else float(v)) for k, v in value.items()})


c, t = arm(3407, '1396.87', '52377.9767'), arm(3461, '2422.7', '134698.29')
show('1 relative', welch_test(*relative(c, t), welch(c, t)))
show('1 absolute', welch_test(*absolute(c, t), welch(c, t)))
c, t = arm(28, 14, 14, True), arm(30, 16, 16, True)
show('2', welch_test(*relative(c, t), welch(c, t)))

C = dict(n=3001, S=300, Q=600, Sx=210, Qx=415, P=-20)
T = dict(n=3000, S=222, Q=555, Sx=120, Qx=405, P=-10)
N = C['n'] + T['n']
theta = (mpf(C['P'] + T['P']) - mpf(C['S'] + T['S']) * (C['Sx'] + T['Sx']) / N) / (mpf(C['Qx'] + T['Qx']) - mpf(C['Sx'] + T['Sx']) ** 2 / N)


def cuped_arm(a):
    n = mpf(a['n'])
    return (n, a['S'] / n, a['Sx'] / n, (a['Q'] - mpf(a['S']) ** 2 / n) / (n - 1), (a['Qx'] - mpf(a['Sx']) ** 2 / n) / (n - 1),
            (a['P'] - mpf(a['S']) * a['Sx'] / n) / (n - 1))


nc, myc, mxc, vyc, vxc, cc = cuped_arm(C)
nt, myt, mxt, vyt, vxt, ct = cuped_arm(T)
adj_c, adj_t = myc - theta * mxc, myt - theta * mxt
var_c, var_t = vyc + theta ** 2 * vxc - 2 * theta * cc, vyt + theta ** 2 * vxt - 2 * theta * ct
d = (adj_t - adj_c) / abs(myc)
v = var_t / (nt * myc ** 2) + ((myt ** 2 / myc ** 2) * vyc - 2 * theta * (myt / myc) * cc + theta ** 2 * vxc) / (nc * myc ** 2)
nu = welch((nc, 0, var_c), (nt, 0, var_t))
show('3', dict(theta=theta, **welch_test(d, v, nu)))

show('4', bayes(*relative(arm(100, 49, 49, True), arm(100, 51, 51, True))))
c, t = arm(10, 100, '1002.25'), arm(10, 105, '1111.5')
show('5 flat', bayes(*relative(c, t)))
show('5 prior', bayes(*relative(c, t), prior=(mpf('0.1'), mpf('0.1'))))
c, t = arm(3000, '1396.87', '52377.9767'), arm(3461, '2422.7', '134698.29')
show('6', sequential(*relative(c, t), 3000 + 3461, 1000))
chi2 = mpf(100) ** 2 / 1100 * 2
show('7', dict(chiSquare=chi2, p=1 - __import__('mpmath').gammainc(HALF, 0, chi2 / 2, regularized=True)))


def sequential_p(d, v, n, tuning):  # the α at which the confidence sequence just touches 0
    def half(log_alpha):
        alpha = exp(log_alpha)
        rho2 = (-2 * log_alpha + log(1 - 2 * log_alpha)) / tuning
        return sqrt(v) * sqrt((n * rho2 + 1) / (n * rho2) * log((n * rho2 + 1) / alpha ** 2))
    return exp(findroot(lambda u: half(u) - abs(d), (mpf(-700), mpf('-1e-9')), solver='illinois'))


c, t = arm(3407, '1396.87', '52377.9767'), arm(3461, '2422.7', '134698.29')
show('8 sequential p', dict(absolute=sequential_p(*absolute(c, t), 3407 + 3461, 5000), relative=sequential_p(*relative(c, t), 3407 + 3461, 1000)))
