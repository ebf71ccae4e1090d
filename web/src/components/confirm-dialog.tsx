import { useId, useState, type ReactNode } from 'react';
import { describeError } from '../api.ts';
import { ModalDialog } from './portal-dialog.tsx';

/**
 * Asks before an action that cannot simply be undone (revoking, archiving, deleting). The action runs from the
 * dialog; if it fails, the error shows in the dialog and the user can retry or cancel.
 */
export function ConfirmDialog({ title, children, confirmLabel, confirmDisabled = false, onConfirm, onClose }: { title: string; children: ReactNode; confirmLabel: string; confirmDisabled?: boolean; onConfirm: () => Promise<void>; onClose: () => void }) {
  const textId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <ModalDialog title={title} onClose={onClose} describedBy={textId}>
      <div id={textId}>{children}</div>
      {error && (
        <div className="error-summary" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={busy || confirmDisabled}>
          {confirmLabel}
        </button>
      </div>
    </ModalDialog>
  );
}
