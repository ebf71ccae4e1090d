import { pointer } from '../field-errors.ts';
import type { DraftServe } from '../targeting-form.ts';
import { formatPercent, percentToWeight, splitProblem } from '../weights.ts';
import { Field } from './field.tsx';

/** What a rule (or the default) serves: one variant, or a split whose weights are edited as percentages. */
export function ServeEditor({ at, serve, variants, errors, onChange, label }: { at: (string | number)[]; serve: DraftServe; variants: readonly string[]; errors: ReadonlyMap<string, string[]>; onChange: (s: DraftServe) => void; label: string }) {
  const base = pointer(...at);
  const modeName = `${base}-mode`;
  const weights = serve.split.map((p) => ({ weight: percentToWeight(p.percent) ?? 0 }));
  const unparsed = serve.split.some((p) => percentToWeight(p.percent) === null);
  const problem = serve.mode === 'split' ? (unparsed ? 'Each weight is a percentage from 0 to 100, with at most 3 decimals' : splitProblem(weights)) : null;
  const groupErrors = [...(errors.get(base) ?? []), ...(errors.get(`${base}/split`) ?? [])];
  const withAllVariants = (): DraftServe['split'] => {
    const known = new Map(serve.split.map((p) => [p.variant, p.percent]));
    return variants.map((v) => ({ variant: v, percent: known.get(v) ?? '0' }));
  };
  return (
    <fieldset className="serve" data-pointer={base}>
      <legend>{label}</legend>
      <div className="radio-row">
        <label>
          <input type="radio" name={modeName} checked={serve.mode === 'variant'} onChange={() => onChange({ ...serve, mode: 'variant' })} /> One variant
        </label>
        <label>
          <input type="radio" name={modeName} checked={serve.mode === 'split'} onChange={() => onChange({ ...serve, mode: 'split', split: withAllVariants() })} /> Percentage split
        </label>
      </div>
      {serve.mode === 'variant' ? (
        <Field label="Variant" at={`${base}/variant`} errors={errors.get(`${base}/variant`)}>
          <select value={serve.variant} onChange={(e) => onChange({ ...serve, variant: e.target.value })}>
            {[...new Set([...variants, serve.variant])].map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </Field>
      ) : (
        <div className="split">
          {serve.split.map((part, k) => (
            <Field key={part.variant} label={`${part.variant} (%)`} at={`${base}/split/${k}/weight`} errors={[...(errors.get(`${base}/split/${k}/weight`) ?? []), ...(errors.get(`${base}/split/${k}/variant`) ?? [])]}>
              <input
                inputMode="decimal"
                className="percent"
                value={part.percent}
                onChange={(e) => onChange({ ...serve, split: serve.split.map((p, i) => (i === k ? { ...p, percent: e.target.value } : p)) })}
              />
            </Field>
          ))}
          <p className={`split-total${problem ? ' bad' : ''}`} aria-live="polite">
            Total: {unparsed ? '–' : formatPercent(weights.reduce((s, w) => s + w.weight, 0))}
            {problem && <span className="field-error"> · {problem}</span>}
          </p>
        </div>
      )}
      {groupErrors.length > 0 && (
        <div className="field-error" role="alert">
          {groupErrors.join('; ')}
        </div>
      )}
    </fieldset>
  );
}

/** True when the serve can be sent: a split's percentages parse and add up to exactly 100%. */
export function serveIsValid(serve: DraftServe): boolean {
  if (serve.mode === 'variant') return true;
  if (serve.split.some((p) => percentToWeight(p.percent) === null)) return false;
  return splitProblem(serve.split.map((p) => ({ weight: percentToWeight(p.percent) ?? 0 }))) === null;
}
