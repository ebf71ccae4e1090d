import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
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

/**
 * After a refused save, moves focus to the first field in error (or, when no field shows the error, to the form's
 * error summary) and scrolls it to the middle of the window, clear of a sticky save bar. A layout effect runs in
 * the very commit that marks the fields invalid, so the fields exist and nothing can run in between: focusing from
 * the submit handler in a frame callback raced React's re-render and left focus on the save button in 4 of 9 runs.
 * `error` is the form's error state: each refused save sets a new one, and focus moves again.
 */
export function useFocusFirstInvalid(form: RefObject<HTMLElement | null>, error: unknown): void {
  useLayoutEffect(() => {
    if (!error || !form.current) return;
    const target = form.current.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.current.querySelector<HTMLElement>('.error-summary');
    if (!target) return;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: 'center' });
  }, [error, form]);
}
