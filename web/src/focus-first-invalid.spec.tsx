import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { useFocusFirstInvalid } from './focus-first-invalid.ts';

/** A form whose error marks its input in the same update that asks for the focus. */
function Form() {
  const [invalid, setInvalid] = useState(false);
  const focusInvalid = useFocusFirstInvalid('.the-form');
  return (
    <form className="the-form">
      <input aria-label="Key" aria-invalid={invalid || undefined} />
      <button
        type="button"
        onClick={() => {
          setInvalid(true);
          focusInvalid();
        }}
      >
        Save
      </button>
    </form>
  );
}

describe('useFocusFirstInvalid', () => {
  it('focuses the input the same update marks invalid', () => {
    render(<Form />);
    const save = screen.getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    expect(document.activeElement).toBe(screen.getByLabelText('Key'));
  });
});
