import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketWithPrefix, murmur3, murmur3Prefix, murmur3WithPrefix } from '../../src/evaluation/murmur3.ts';
import { murmur3x86x32 } from '../support/reference-evaluator.ts';

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
      expect(bucketWithPrefix(murmur3Prefix(`${vector.salt}.`), vector.unit)).toBe(vector.bucket);
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

  it('encodes UTF-8 as Buffer does at every boundary, with any seed, wherever the character falls in a block', () => {
    const characters = [
      '\u007f', // the last one-byte character
      '\u0080', // the first two-byte one
      '\u07ff', // the last two-byte one
      '\u0800', // the first three-byte one
      '\ud7ff', // the last one below the surrogates
      '\ud800\udc00', // U+10000: the first four-byte one, its high surrogate the lowest
      '\udbff\udfff', // U+10FFFF: the last one, its high surrogate the highest, its low the highest
      '\ud800\udfff', // the lowest high surrogate with the highest low one
      '\udbff\udc00', // the highest high surrogate with the lowest low one
      '\ud840\udc00', // U+20000
      '\ue000', // the first character above the surrogates
      '\uffff', // the last three-byte one
      '\ud800', // lone surrogates encode as U+FFFD
      '\udbff',
      '\udc00',
      '\udfff',
      '\ud800\ud800\udc00', // a lone high surrogate, then a pair
      '\udc00\ud800', // a low surrogate before a high one pairs with nothing
      '\ud800\ue000', // a high surrogate before a character past the low ones pairs with nothing
      '\ud800\u00e9', // nor before a two-byte one
      '\u00e9\udc00', // a low surrogate after a non-surrogate pairs with nothing
      '\u0800\udfff',
      '\ue000\udc00',
    ];
    for (const character of characters) {
      for (const before of ['', 'a', 'ab', 'abc']) {
        for (const after of ['', 'z', '\ud800']) {
          const text = `${before}${character}${after}`;
          for (const seed of [0, 0x9747b28c, -1]) {
            expect([text, seed, murmur3(text, seed)]).toEqual([text, seed, murmur3x86x32(text, seed)]);
          }
          for (let split = 0; split <= text.length; split++) {
            if (/^[\ud800-\udbff][\udc00-\udfff]$/.test(text.slice(split - 1, split + 1))) continue; // a pair split in two is two lone surrogates
            const streamed = murmur3WithPrefix(murmur3Prefix(text.slice(0, split), 7), text.slice(split));
            expect([text, split, streamed]).toEqual([text, split, murmur3x86x32(text, 7)]);
            expect([text, split, bucketWithPrefix(murmur3Prefix(text.slice(0, split), 7), text.slice(split))]).toEqual([text, split, bucketOf(murmur3x86x32(text, 7))]);
          }
        }
      }
    }
  });

  it('maps hashes onto [0, 99999]', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(4_294_967_295)).toBe(99_999);
  });
});
