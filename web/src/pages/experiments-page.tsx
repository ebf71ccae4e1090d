import { api } from '../api.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Experiment } from '../types.ts';

export function ExperimentsPage() {
  useTitle('Experiments');
  const experiments = useLoad(async () => (await api.get<{ experiments: Experiment[] }>('/admin/experiments')).body.experiments, []);
  return (
    <section>
      <div className="page-head">
        <h1>Experiments</h1>
        <Link to="/experiments/new" className="button primary">
          New experiment
        </Link>
      </div>
      {experiments.error && <div className="error-summary" role="alert">{experiments.error}</div>}
      {experiments.data && experiments.data.length === 0 && <p>No experiments yet.</p>}
      {experiments.data && experiments.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Experiment</th>
                <th scope="col">Flag</th>
                <th scope="col">Environment</th>
                <th scope="col">Status</th>
                <th scope="col">Primary metric</th>
              </tr>
            </thead>
            <tbody>
              {experiments.data.map((e) => (
                <tr key={e.key}>
                  <th scope="row">
                    <Link to={`/experiments/${encodeURIComponent(e.key)}`}>{e.key}</Link>
                    {e.hypothesis && <div className="muted">{e.hypothesis}</div>}
                  </th>
                  <td>
                    <Link to={`/flags/${encodeURIComponent(e.flagKey)}`}>{e.flagKey}</Link>
                  </td>
                  <td>{e.environment}</td>
                  <td>
                    <span className={`status status-${e.status}`}>{e.status}</span>
                  </td>
                  <td>{e.primaryMetric}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
