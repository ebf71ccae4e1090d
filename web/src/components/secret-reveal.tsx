import { useRef, useState } from 'react';
import { copyText } from '../copy-text.ts';

/**
 * A secret the server shows once (an SDK key, an admin token): in a read-only box, with a copy button. When the
 * clipboard is not available (an insecure origin, a refused permission) the text is selected for Ctrl+C instead.
 */
export function SecretReveal({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');
  const copy = async () => {
    const outcome = await copyText(secret, input.current);
    setStatus(outcome === 'copied' ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.');
  };
  return (
    <div className="secret-reveal">
      <p className="secret-warning">
        <strong>Copy it now: you will not see it again.</strong> Flagstaff keeps only a hash of it.
      </p>
      <div className="secret-row">
        <label htmlFor="secret-value" className="visually-hidden">
          {label}
        </label>
        <input id="secret-value" ref={input} className="secret-value" readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} />
        <button type="button" className="primary" onClick={() => void copy()} data-autofocus>
          Copy
        </button>
      </div>
      <p role="status" className="muted">
        {status}
      </p>
      <div className="actions">
        <button type="button" onClick={onDone}>
          Done, I have copied it
        </button>
      </div>
    </div>
  );
}
