import { describe, expect, it } from 'vitest';
import { copyText } from './copy-text.ts';

function box(value: string): HTMLInputElement {
  const input = document.createElement('input');
  input.value = value;
  document.body.append(input);
  return input;
}

describe('copyText', () => {
  it('writes to the clipboard when it can, and leaves the box alone', async () => {
    const written: string[] = [];
    const input = box('fs_server_abc');
    expect(await copyText('fs_server_abc', input, { writeText: async (t) => void written.push(t) })).toBe('copied');
    expect(written).toEqual(['fs_server_abc']);
    expect(input.selectionEnd! - input.selectionStart!).toBe(0);
    input.remove();
  });

  it('selects the whole text instead when the clipboard refuses or is missing', async () => {
    for (const clipboard of [{ writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) }, null]) {
      const input = box('fs_admin_xyz');
      expect(await copyText('fs_admin_xyz', input, clipboard)).toBe('selected');
      expect(document.activeElement).toBe(input);
      expect([input.selectionStart, input.selectionEnd]).toEqual([0, 'fs_admin_xyz'.length]);
      input.remove();
    }
  });
});
