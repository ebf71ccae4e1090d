import { Link } from '../router.tsx';
import type { Experiment } from '../types.ts';

/**
 * A flag switched off in an experiment's environment serves its off variant to everyone, so the experiment assigns
 * nobody. Said wherever either is looked at: on the experiment's page and on the flag's (which also names the
 * experiment), each linking to the flag in that environment, where it can be switched on.
 */
export function NoTrafficWarning({ experiment, from }: { experiment: Pick<Experiment, 'key' | 'flagKey' | 'environment' | 'status'>; from: 'flag' | 'experiment' }) {
  const { key, flagKey, environment } = experiment;
  const flagLink = `/flags/${encodeURIComponent(flagKey)}?env=${encodeURIComponent(environment)}`;
  const consequence = experiment.status === 'running' ? 'gets no traffic' : 'will get no traffic once started';
  const which = from === 'flag' ? <>the experiment <Link to={`/experiments/${encodeURIComponent(key)}`}>{key}</Link></> : 'the experiment';
  return (
    <div className="banner banner-warn" role="alert" data-testid="no-traffic-warning">
      <strong>
        This flag is off in {environment}: {which} {consequence}.
      </strong>{' '}
      Turn <Link to={flagLink}>{flagKey} on in {environment}</Link> to let units in.
    </div>
  );
}
