import { fireEvent, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorSummary, Field } from './components/field.tsx';
import { useFocusFirstInvalid } from './hooks.ts';

/** A form whose save is refused the way the server refuses it: a new error each time, placed on a field or not. */
function RefusingForm({ placed }: { placed: boolean }) {
  const form = useRef<HTMLFormElement>(null);
  const [error, setError] = useState<Error | null>(null);
  useFocusFirstInvalid(form, error);
  return (
    <form
      ref={form}
      onSubmit={(e) => {
        e.preventDefault();
        setError(new Error('refused'));
      }}
    >
      <ErrorSummary message={error?.message ?? null} issues={[]} />
      <Field label="Name" at="#/name">
        <input />
      </Field>
      <Field label="Pattern" at="#/pattern" errors={error && placed ? ['is not a valid RE2 pattern'] : undefined}>
        <input />
      </Field>
      <button type="submit">Save</button>
    </form>
  );
}

const scrolled: { element: Element; options: unknown }[] = [];
// jsdom lays nothing out and has no scrollIntoView; this records what would be scrolled, and how.
Element.prototype.scrollIntoView = function (this: Element, options?: unknown) {
  scrolled.push({ element: this, options });
};
afterEach(() => void scrolled.splice(0));

describe('useFocusFirstInvalid', () => {
  it('moves focus from the save button to the first invalid field, every time a save is refused', () => {
    render(<RefusingForm placed />);
    const save = screen.getByRole('button', { name: 'Save' });
    for (let attempt = 0; attempt < 3; attempt++) {
      save.focus();
      fireEvent.click(save);
      expect(document.activeElement).toBe(screen.getByLabelText('Pattern'));
    }
    expect(scrolled).toHaveLength(3);
    expect(scrolled[0]).toEqual({ element: screen.getByLabelText('Pattern'), options: { block: 'center' } });
  });

  it('moves focus to the error summary when no field shows the problem', () => {
    render(<RefusingForm placed={false} />);
    const save = screen.getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    expect(document.activeElement).toBe(screen.getByRole('alert'));
  });

  it('leaves focus alone while there is no error', () => {
    render(<RefusingForm placed />);
    screen.getByLabelText('Name').focus();
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    expect(scrolled).toHaveLength(0);
  });
});
