import { act, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api.ts';
import { ErrorSummary, Field } from './field.tsx';
import { FormActions } from './form-actions.tsx';
import { ModalDialog } from './portal-dialog.tsx';
import { RevocationCells } from './revocable-cells.tsx';
import { SecretDialog, useIssueForm } from './secret-dialog.tsx';

/** A form that makes a secret: the first try is refused on its name field, the second issues `s3cret`. */
function IssueHarness({ issuedNames }: { issuedNames: string[] }) {
  const [open, setOpen] = useState(true);
  const [tries, setTries] = useState(0);
  const { issued, error, placed, submit } = useIssueForm(
    ['name'],
    async () => {
      setTries((n) => n + 1);
      if (tries === 0) throw new ApiError({ status: 400, title: 'Invalid', errors: [{ pointer: '#/name', detail: 'must not be empty' }] });
      return { name: 'ci', secret: 's3cret' };
    },
    (made) => issuedNames.push(made.name),
  );
  if (!open) return <p>closed</p>;
  if (issued) {
    return (
      <SecretDialog title={`Token ${issued.name}`} label="The token" secret={issued.secret} onClose={() => setOpen(false)}>
        <p>Keep it safe.</p>
      </SecretDialog>
    );
  }
  return (
    <ModalDialog title="New token" onClose={() => setOpen(false)}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? 'refused' : null} issues={placed.unplaced} />
        <Field label="Name" at="#/name" errors={placed.byField.get('#/name')}>
          <input data-autofocus />
        </Field>
        <FormActions submitLabel="Create token" onCancel={() => setOpen(false)} />
      </form>
    </ModalDialog>
  );
}

describe('useIssueForm and <SecretDialog>', () => {
  it('places a refusal on its field, then shows the issued secret once in a new dialog, focus on Copy', async () => {
    const issuedNames: string[] = [];
    render(<IssueHarness issuedNames={issuedNames} />);
    const create = screen.getByRole('button', { name: 'Create token' });
    await act(async () => fireEvent.click(create));
    expect(screen.getByText('must not be empty')).toBeTruthy();
    expect(issuedNames).toEqual([]);

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create token' })));
    expect(issuedNames).toEqual(['ci']);
    expect(screen.getByRole('dialog', { name: 'Token ci' })).toBeTruthy();
    expect((screen.getByLabelText('The token') as HTMLInputElement).value).toBe('s3cret');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Copy' }));
    fireEvent.click(screen.getByRole('button', { name: 'Done, I have copied it' }));
    expect(screen.getByText('closed')).toBeTruthy();
  });

  it('closes on Cancel without issuing', () => {
    const issuedNames: string[] = [];
    render(<IssueHarness issuedNames={issuedNames} />);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByText('closed')).toBeTruthy();
    expect(issuedNames).toEqual([]);
  });
});

describe('<RevocationCells>', () => {
  const row = (revoked: boolean, onRevoke: () => void) =>
    render(
      <table>
        <tbody>
          <tr>
            <RevocationCells name="ci" revoked={revoked} onRevoke={onRevoke} />
          </tr>
        </tbody>
      </table>,
    );

  it('offers Revoke, named for its row, while the secret is active', () => {
    let revoked = 0;
    row(false, () => revoked++);
    expect(screen.getByText('active')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke ci' }));
    expect(revoked).toBe(1);
  });

  it('says revoked and offers nothing once it is', () => {
    row(true, () => {});
    expect(screen.getByText('revoked')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });
});
