import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { navigate } from '../router.tsx';
import type { Environment, Flag, FlagSummary, Metric } from '../types.ts';
import { evenWeights, formatPercentNumber, percentToWeight, splitProblem } from '../weights.ts';

interface PowerAnswer {
  unitsPerVariant: number;
  totalUnits: number;
}

/** The design form: hypothesis, variants and weights, metrics, MDE, alpha, power, with the sample size it needs. */
export function ExperimentDesignPage() {
  useTitle('New experiment');
  const flags = useLoad(async () => (await api.get<{ flags: FlagSummary[] }>('/admin/flags?limit=1000')).body.flags, []);
  const metrics = useLoad(async () => (await api.get<{ metrics: Metric[] }>('/admin/metrics')).body.metrics, []);
  const environments = useLoad(async () => (await api.get<{ environments: Environment[] }>('/admin/environments')).body.environments.map((e) => e.key), []);

  const [key, setKey] = useState('');
  const [flagKey, setFlagKey] = useState('');
  const [environment, setEnvironment] = useState('production');
  const [hypothesis, setHypothesis] = useState('');
  const [variants, setVariants] = useState<{ variant: string; percent: string }[]>([]);
  const [control, setControl] = useState('');
  const [traffic, setTraffic] = useState('100');
  const [primary, setPrimary] = useState('');
  const [secondary, setSecondary] = useState<string[]>([]);
  const [guardrail, setGuardrail] = useState<string[]>([]);
  const [mde, setMde] = useState('5');
  const [alpha, setAlpha] = useState('0.05');
  const [power, setPower] = useState('0.8');
  const [method, setMethod] = useState('frequentist');
  const [cuped, setCuped] = useState(false);
  const [baseline, setBaseline] = useState('10');
  const [variance, setVariance] = useState('');
  const [error, setError] = useState<unknown>(null);

  // The flag's variants become the experiment's, split evenly; the first is the control until changed.
  useEffect(() => {
    if (!flagKey) return;
    api.get<Flag>(`/admin/flags/${encodeURIComponent(flagKey)}`).then((r) => {
      const names = Object.keys(r.body.variants);
      const weights = evenWeights(names.length);
      setVariants(names.map((v, i) => ({ variant: v, percent: formatPercentNumber(weights[i]!) })));
      setControl(names.includes('off') ? 'off' : (names[0] ?? ''));
    }, setError);
  }, [flagKey]);
  useEffect(() => {
    if (!flagKey && flags.data?.[0]) setFlagKey(flags.data[0].key);
  }, [flags.data, flagKey]);
  useEffect(() => {
    if (!primary && metrics.data?.[0]) setPrimary(metrics.data[0].key);
  }, [metrics.data, primary]);

  const primaryMetric = metrics.data?.find((m) => m.key === primary);
  const metricType = primaryMetric?.kind === 'binomial' ? 'binomial' : 'mean';
  const [sample, setSample] = useState<{ answer: PowerAnswer | null; error: ApiError | string | null }>({ answer: null, error: null });

  // The power calculator: asks the stats engine (POST /admin/stats/power) as the inputs change.
  useEffect(() => {
    const body = {
      metricType,
      baselineMean: metricType === 'binomial' ? Number(baseline) / 100 : Number(baseline),
      ...(metricType === 'mean' && variance !== '' ? { variance: Number(variance) } : {}),
      relative: true,
      alpha: Number(alpha),
      power: Number(power),
      minimumDetectableEffect: Number(mde) / 100,
      variants: Math.max(2, variants.length),
    };
    if ([body.baselineMean, body.alpha, body.power, body.minimumDetectableEffect].some((n) => !Number.isFinite(n))) {
      setSample({ answer: null, error: 'Enter numbers to compute the sample size' });
      return;
    }
    const timer = setTimeout(() => {
      api.post<PowerAnswer>('/admin/stats/power', body).then(
        (r) => setSample({ answer: r.body, error: null }),
        (e: unknown) => setSample({ answer: null, error: e instanceof ApiError ? e : describeError(e) }),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [metricType, baseline, variance, alpha, power, mde, variants.length]);

  const weights = variants.map((v) => ({ variant: v.variant, weight: percentToWeight(v.percent) ?? Number.NaN }));
  const weightProblem = weights.some((w) => Number.isNaN(w.weight)) ? 'Each weight is a percentage with at most 3 decimals' : splitProblem(weights);
  const fields = ['key', 'flagKey', 'environment', 'hypothesis', 'variants', 'controlVariant', 'trafficPercent', 'primaryMetric', 'secondaryMetrics', 'guardrailMetrics', 'minimumDetectableEffect', 'alpha', 'power', 'method'].map((f) => pointer(f));
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], [...fields, ...variants.map((_, i) => pointer('variants', i, 'weight'))]);
  const at = (p: string) => placed.byField.get(p);
  const powerIssues = sample.error instanceof ApiError ? sample.error.issues : [];
  const powerError = (field: string) => powerIssues.filter((i) => i.pointer === pointer(field)).map((i) => i.detail);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (weightProblem) return;
    try {
      await api.post('/admin/experiments', {
        key: key.trim(),
        flagKey,
        environment,
        hypothesis,
        variants: weights,
        controlVariant: control,
        trafficPercent: Number(traffic),
        primaryMetric: primary,
        secondaryMetrics: secondary,
        guardrailMetrics: guardrail,
        minimumDetectableEffect: Number(mde) / 100,
        alpha: Number(alpha),
        power: Number(power),
        method,
        cuped,
      });
      navigate(`/experiments/${encodeURIComponent(key.trim())}`);
    } catch (e) {
      setError(e);
    }
  };

  const toggleIn = (list: string[], set: (l: string[]) => void, m: string) => set(list.includes(m) ? list.filter((x) => x !== m) : [...list, m]);
  return (
    <section>
      <h1>New experiment</h1>
      <form onSubmit={submit} noValidate className="design-form">
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <div className="grid-3">
          <Field label="Key" at="#/key" errors={at('#/key')}>
            <input value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Flag" at="#/flagKey" errors={at('#/flagKey')}>
            <select value={flagKey} onChange={(e) => setFlagKey(e.target.value)}>
              {(flags.data ?? []).map((f) => (
                <option key={f.key}>{f.key}</option>
              ))}
            </select>
          </Field>
          <Field label="Environment" at="#/environment" errors={at('#/environment')}>
            <select value={environment} onChange={(e) => setEnvironment(e.target.value)}>
              {(environments.data ?? []).map((env) => (
                <option key={env}>{env}</option>
              ))}
            </select>
          </Field>
        </div>
        <Field label="Hypothesis" at="#/hypothesis" errors={at('#/hypothesis')}>
          <textarea rows={2} value={hypothesis} onChange={(e) => setHypothesis(e.target.value)} placeholder="The new checkout raises purchases by 5%" />
        </Field>
        <fieldset>
          <legend>Variants and weights</legend>
          {(at('#/variants') ?? []).map((m) => <div key={m} className="field-error" role="alert">{m}</div>)}
          <div className="split">
            {variants.map((v, i) => (
              <Field key={v.variant} label={`${v.variant} (%)`} at={pointer('variants', i, 'weight')} errors={at(pointer('variants', i, 'weight'))}>
                <input inputMode="decimal" className="percent" value={v.percent} onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, percent: e.target.value } : x)))} />
              </Field>
            ))}
          </div>
          {weightProblem && <p className="field-error">{weightProblem}</p>}
          <div className="grid-3">
            <Field label="Control variant" at="#/controlVariant" errors={at('#/controlVariant')}>
              <select value={control} onChange={(e) => setControl(e.target.value)}>
                {variants.map((v) => (
                  <option key={v.variant}>{v.variant}</option>
                ))}
              </select>
            </Field>
            <Field label="Traffic (% of eligible units)" at="#/trafficPercent" errors={at('#/trafficPercent')}>
              <input inputMode="decimal" value={traffic} onChange={(e) => setTraffic(e.target.value)} />
            </Field>
            <Field label="Analysis method" at="#/method" errors={at('#/method')}>
              <select value={method} onChange={(e) => setMethod(e.target.value)}>
                <option>frequentist</option>
                <option>bayesian</option>
                <option>sequential</option>
              </select>
            </Field>
          </div>
        </fieldset>
        <fieldset>
          <legend>Metrics</legend>
          <Field label="Primary metric" at="#/primaryMetric" errors={at('#/primaryMetric')}>
            <select value={primary} onChange={(e) => setPrimary(e.target.value)}>
              {(metrics.data ?? []).map((m) => (
                <option key={m.key} value={m.key}>
                  {m.key} ({m.kind})
                </option>
              ))}
            </select>
          </Field>
          <div className="grid-2">
            <fieldset className="checks">
              <legend>Secondary</legend>
              {(metrics.data ?? []).filter((m) => m.key !== primary).map((m) => (
                <label key={m.key}>
                  <input type="checkbox" checked={secondary.includes(m.key)} onChange={() => toggleIn(secondary, setSecondary, m.key)} /> {m.key}
                </label>
              ))}
            </fieldset>
            <fieldset className="checks">
              <legend>Guardrails</legend>
              {(metrics.data ?? []).filter((m) => m.key !== primary).map((m) => (
                <label key={m.key}>
                  <input type="checkbox" checked={guardrail.includes(m.key)} onChange={() => toggleIn(guardrail, setGuardrail, m.key)} /> {m.key}
                </label>
              ))}
            </fieldset>
          </div>
          <div className="field checkbox">
            <input id="cuped" type="checkbox" checked={cuped} onChange={(e) => setCuped(e.target.checked)} />
            <label htmlFor="cuped">CUPED (variance reduction with 14 days of pre-exposure data)</label>
          </div>
        </fieldset>
        <fieldset className="power-calculator">
          <legend>Power: sample size needed</legend>
          <div className="grid-3">
            <Field label="Minimum detectable effect (% relative lift)" at="#/minimumDetectableEffect" errors={[...(at('#/minimumDetectableEffect') ?? []), ...powerError('minimumDetectableEffect')]}>
              <input inputMode="decimal" value={mde} onChange={(e) => setMde(e.target.value)} />
            </Field>
            <Field label="Alpha (false positive rate)" at="#/alpha" errors={[...(at('#/alpha') ?? []), ...powerError('alpha')]}>
              <input inputMode="decimal" value={alpha} onChange={(e) => setAlpha(e.target.value)} />
            </Field>
            <Field label="Power" at="#/power" errors={[...(at('#/power') ?? []), ...powerError('power')]}>
              <input inputMode="decimal" value={power} onChange={(e) => setPower(e.target.value)} />
            </Field>
            <Field label={metricType === 'binomial' ? 'Baseline conversion rate (%)' : 'Baseline mean'} at="#/power/baselineMean" errors={powerError('baselineMean')}>
              <input inputMode="decimal" value={baseline} onChange={(e) => setBaseline(e.target.value)} />
            </Field>
            {metricType === 'mean' && (
              <Field label="Per-unit variance" at="#/power/variance" errors={powerError('variance')}>
                <input inputMode="decimal" value={variance} onChange={(e) => setVariance(e.target.value)} />
              </Field>
            )}
          </div>
          <output className="sample-size" aria-live="polite" data-testid="sample-size">
            {sample.answer ? (
              <>
                <strong>{sample.answer.unitsPerVariant.toLocaleString('en')}</strong> units per variant, <strong>{sample.answer.totalUnits.toLocaleString('en')}</strong> in all
                {Number(traffic) > 0 && Number(traffic) < 100 ? ` (${Math.ceil(sample.answer.totalUnits / (Number(traffic) / 100)).toLocaleString('en')} eligible units at ${traffic}% traffic)` : ''}
              </>
            ) : sample.error instanceof ApiError ? (
              sample.error.issues.map((i) => `${i.pointer.slice(2)} ${i.detail}`).join('; ') || sample.error.message
            ) : (
              sample.error ?? 'Computing…'
            )}
          </output>
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary">
            Create experiment (draft)
          </button>
        </div>
      </form>
    </section>
  );
}
