import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from './api.ts';

/** Loads data for a screen; `reload` fetches again (after a change), and a stale answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | undefined; error: string | null; loading: boolean; reload: () => void; setData: (t: T) => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
    // The caller lists what the load depends on, as with useEffect.
  }, deps);
  useEffect(run, [run]);
  return { data, error, loading, reload: run, setData };
}

/** The page title names the screen, so history entries and screen readers announce where you are. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Flagstaff`;
  }, [title]);
}
