/**
 * Copies text to the clipboard; where the Clipboard API is missing or refused, selects the text in `fallback`
 * (so the user can press Ctrl+C) and says so.
 */
export async function copyText(text: string, fallback: HTMLInputElement | null, clipboard: Pick<Clipboard, 'writeText'> | null = globalThis.navigator?.clipboard ?? null): Promise<'copied' | 'selected'> {
  try {
    if (!clipboard) throw new Error('no clipboard');
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    fallback?.focus();
    fallback?.select();
    return 'selected';
  }
}
