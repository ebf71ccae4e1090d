import { useCallback, useLayoutEffect, useState } from 'react';

/**
 * After a refused save, moves focus to the first input marked invalid inside `container` (a selector), so
 * keyboard and screen-reader users land on it. The focus happens in a layout effect, right after React has
 * committed the render that marks the input (before anything else runs), so it cannot race that render as a
 * requestAnimationFrame can.
 */
export function useFocusFirstInvalid(container: string): () => void {
  const [request, setRequest] = useState(0);
  useLayoutEffect(() => {
    if (request === 0) return;
    document.querySelector<HTMLElement>(`${container} [aria-invalid="true"]`)?.focus();
  }, [request, container]);
  return useCallback(() => setRequest((n) => n + 1), []);
}
