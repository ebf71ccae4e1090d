import { cloneElement, type ReactElement } from 'react';
import { fieldId } from '../field-errors.ts';

/**
 * A labelled input whose id comes from its JSON pointer: the server's errors for that pointer appear under it,
 * tied to it with aria-describedby and aria-invalid.
 */
export function Field({ label, at, errors, children, hint }: { label: string; at: string; errors?: readonly string[] | undefined; children: ReactElement<Record<string, unknown>>; hint?: string }) {
  const id = fieldId(at);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const invalid = errors !== undefined && errors.length > 0;
  const describedBy = [hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${invalid ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy, 'data-pointer': at })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {invalid && (
        <div id={errorId} className="field-error" role="alert">
          {errors.join('; ')}
        </div>
      )}
    </div>
  );
}

/** Problems no field shows (the whole body, or a field the form does not have), listed above the form. */
export function ErrorSummary({ message, issues }: { message: string | null; issues: readonly { pointer: string; detail: string }[] }) {
  if (!message && issues.length === 0) return null;
  return (
    // Focusable (not tabbable): a refused save moves focus here when no field shows the problem.
    <div className="error-summary" role="alert" tabIndex={-1}>
      {message && <p>{message}</p>}
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li key={i.pointer + i.detail}>
              <code>{i.pointer}</code> {i.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
