import './admin-pages.css';
import { api } from '../api.ts';
import { PageHeading } from '../components/page-heading.tsx';
import { eventLabel } from '../event-labels.ts';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { HistoryEntry } from '../types.ts';

/** Every event of a segment, newest first: what changed, who, why, when. */
export function SegmentHistoryPage({ segmentKey }: { segmentKey: string }) {
  useTitle(`${segmentKey} history`);
  const history = useLoad(async () => (await api.get<{ events: HistoryEntry[] }>(`/admin/segments/${encodeURIComponent(segmentKey)}/history`)).body.events, [segmentKey]);
  return (
    <section>
      <div className="page-head">
        <PageHeading>History of segment {segmentKey}</PageHeading>
        <Link to={`/segments/${encodeURIComponent(segmentKey)}`} className="button">
          Edit {segmentKey}
        </Link>
      </div>
      {history.error && (
        <div className="error-summary" role="alert">
          {history.error}
        </div>
      )}
      {history.loading && !history.data && <p aria-busy="true">Loading the history of {segmentKey}…</p>}
      {history.data && (
        <ol className="timeline" reversed>
          {[...history.data].reverse().map((e) => (
            <li key={e.version} data-testid="segment-history-entry">
              <div className="timeline-head">
                <strong>v{e.version}</strong> <span className="event-type">{eventLabel(e.type)}</span>
                <time dateTime={e.time}>{formatTime(e.time)}</time>
              </div>
              <div>
                by <span className="actor">{e.actor ?? 'unknown'}</span>
                {e.reason && (
                  <>
                    {' '}
                    · <q className="reason">{e.reason}</q>
                  </>
                )}
              </div>
              {Object.keys(e.change).length > 0 && (
                <details>
                  <summary>What it recorded</summary>
                  <pre className="change-json">{JSON.stringify(e.change, null, 2)}</pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
