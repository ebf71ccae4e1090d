import type { ReactNode } from 'react';

/** The last column of a list whose rows have actions: a header for screen readers only. */
export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  );
}

/**
 * The state and action cells of a secret's row (an SDK key, an admin token): active or revoked, and a Revoke
 * button while it is active. `name` names the button for screen readers, as each row has one.
 */
export function RevocationCells({ name, revoked, onRevoke }: { name: string; revoked: boolean; onRevoke: () => void }): ReactNode {
  return (
    <>
      <td>{revoked ? <span className="status status-revoked">revoked</span> : <span className="status status-running">active</span>}</td>
      <td>
        {!revoked && (
          <button type="button" className="danger-outline" onClick={onRevoke} aria-label={`Revoke ${name}`}>
            Revoke
          </button>
        )}
      </td>
    </>
  );
}
