/** An event type as a sentence: `SegmentChanged` → "Segment changed", `ApiKeyIssued` → "API key issued". */
export function eventLabel(type: string): string {
  const words = type
    .replace(/^ApiKey/, 'APIKey')
    .match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*/g);
  if (!words) return type;
  return words.map((w, i) => (i === 0 || /^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase())).join(' ');
}
