/**
 * The buttons at the foot of a dialog's form: Cancel, which closes without a request, and the submit button
 * (the form's default action, so Enter in a field submits too).
 */
export function FormActions({ submitLabel, onCancel, submitClassName = 'primary', submitDisabled = false }: { submitLabel: string; onCancel: () => void; submitClassName?: 'primary' | 'danger'; submitDisabled?: boolean }) {
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className={submitClassName} disabled={submitDisabled}>
        {submitLabel}
      </button>
    </div>
  );
}
