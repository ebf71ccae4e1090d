import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketOf, murmur3, murmur3Prefix, murmur3WithPrefix } from '../../src/evaluation/murmur3.ts';

interface Vector {
  input: string;
  salt: string;
  unit: string;
  murmur3_x86_32: number;
  bucket: number;
}
const vectors = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'bucketing-vectors.json'), 'utf8')) as { vectors: Vector[] }).vectors;

describe('murmur3_x86_32 and buckets (hashVersion 1)', () => {
  it('has the shared vectors to check against', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(12);
  });

  for (const vector of vectors) {
    it(`reproduces ${JSON.stringify(vector.input)}`, () => {
      expect(murmur3(vector.input)).toBe(vector.murmur3_x86_32);
      const streamed = murmur3WithPrefix(murmur3Prefix(`${vector.salt}.`), vector.unit);
      expect(streamed).toBe(vector.murmur3_x86_32);
      expect(bucketOf(streamed)).toBe(vector.bucket);
    });
  }

  it('agrees with a byte-array reference whatever the split between prefix and unit', () => {
    const reference = (bytes: Uint8Array): number => {
      let h = 0;
      const blocks = bytes.length >> 2;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < blocks; i++) {
        let k = view.getUint32(i * 4, true);
        k = Math.imul(k, 0xcc9e2d51);
        k = (k << 15) | (k >>> 17);
        k = Math.imul(k, 0x1b873593);
        h ^= k;
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      }
      let k = 0;
      const rest = bytes.length & 3;
      for (let i = rest - 1; i >= 0; i--) k = (k << 8) | bytes[blocks * 4 + i]!;
      if (rest) {
        k = Math.imul(k, 0xcc9e2d51);
        k = (k << 15) | (k >>> 17);
        k = Math.imul(k, 0x1b873593);
        h ^= k;
      }
      h ^= bytes.length;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return h >>> 0;
    };
    const samples = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'é', '用户', '🚩flag', 'x\uD800y', 'mixed-ü-用-🚀-end'];
    for (const a of samples) {
      for (const b of samples) {
        const expected = reference(new TextEncoder().encode(a + b));
        expect(murmur3WithPrefix(murmur3Prefix(a), b)).toBe(expected);
      }
    }
  });

  it('maps hashes onto [0, 99999]', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(4_294_967_295)).toBe(99_999);
  });
});
