import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { placeErrors, pointer, type PlacedErrors } from '../field-errors.ts';
import { ModalDialog } from './portal-dialog.tsx';
import { SecretReveal } from './secret-reveal.tsx';

/**
 * The dialog that shows a secret just made (an SDK key, an admin token) the one time the server sends it. It
 * replaces the form's dialog rather than reusing it, so it mounts afresh and focus moves to the copy button.
 */
export function SecretDialog({ title, label, secret, onClose, children }: { title: string; label: string; secret: string; onClose: () => void; children: ReactNode }) {
  return (
    <ModalDialog title={title} onClose={onClose}>
      {children}
      <SecretReveal label={label} secret={secret} onDone={onClose} />
    </ModalDialog>
  );
}

/**
 * The form that makes a secret: `issue` sends it, and on success the secret is kept for the SecretDialog and
 * `onIssued` tells the page (to list it). A refusal stays in `error`, placed on `fields` (names, not pointers).
 */
export function useIssueForm<T>(fields: readonly string[], issue: () => Promise<T>, onIssued: (issued: T) => void): { issued: T | null; error: unknown; placed: PlacedErrors; submit: (event: FormEvent) => Promise<void> } {
  const [error, setError] = useState<unknown>(null);
  const [issued, setIssued] = useState<T | null>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], fields.map((f) => pointer(f)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = await issue();
      setError(null);
      setIssued(created);
      onIssued(created);
    } catch (e) {
      setError(e);
    }
  };
  return { issued, error, placed, submit };
}
