import { useEffect, useState } from 'react';
import { api, describeError, query } from '../api.ts';
import { brief } from '../describe-serve.ts';
import type { DiffChange } from '../types.ts';

/**
 * "Show changes" for one version of a flag: what that version changed, path by path, before → after, from the
 * API's structural diff (GET /admin/flags/:key/diff). Fetched when first opened: a page lists many versions.
 */
export function FlagDiffToggle({ flagKey, version }: { flagKey: string; version: number }) {
  const [open, setOpen] = useState(false);
  const [changes, setChanges] = useState<DiffChange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open || changes) return;
    api.get<{ changes: DiffChange[] }>(`/admin/flags/${encodeURIComponent(flagKey)}/diff${query({ from: version - 1, to: version })}`).then(
      (r) => setChanges(r.body.changes),
      (e: unknown) => setError(describeError(e)),
    );
  }, [open, changes, flagKey, version]);
  return (
    <>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} changes
      </button>
      {open && (
        <div className="diff" data-testid="flag-diff">
          {error && <p className="field-error">{error}</p>}
          {!changes && !error && <p aria-busy="true">Loading…</p>}
          {changes && changes.length === 0 && <p className="muted">No change to the content (bookkeeping only).</p>}
          {changes && changes.length > 0 && (
            <ul aria-label={`Changes from v${version - 1} to v${version}`}>
              {changes.map((c) => (
                <li key={c.path} className={`diff-${c.op}`}>
                  <code className="diff-path">{c.path}</code> <span className="visually-hidden">{c.op}: </span>
                  <code>{c.op === 'added' ? '(none)' : brief(c.before)}</code> → <code>{c.op === 'removed' ? '(none)' : brief(c.after)}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
