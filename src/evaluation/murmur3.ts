/**
 * MurmurHash3 x86 32-bit over UTF-8 bytes, written for the bucketing hot path: the salt prefix is hashed once
 * (`prefixState`), then each unit is streamed through without building a string or a byte array.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after a prefix: the running h1, the bytes not yet forming a 4-byte block, and the length. */
export interface Murmur3Prefix {
  readonly h1: number;
  readonly tail: number;
  readonly tailBytes: number;
  readonly length: number;
}

function mixBlock(h1: number, k1: number): number {
  k1 = Math.imul(k1, C1);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, C2);
  h1 ^= k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  return (Math.imul(h1, 5) + 0xe6546b64) | 0;
}

/** Streams the UTF-8 bytes of `text` into the state; returns the new state packed in the scratch object. */
function feed(state: { h1: number; tail: number; tailBytes: number; length: number }, text: string): void {
  let { h1, tail, tailBytes, length } = state;
  const push = (byte: number): void => {
    tail |= byte << (tailBytes * 8);
    if (++tailBytes === 4) {
      h1 = mixBlock(h1, tail);
      tail = 0;
      tailBytes = 0;
    }
    length++;
  };
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      push(code);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = text.charCodeAt(i + 1); // NaN past the end, which is no low surrogate
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    if (code < 0x800) {
      push(0xc0 | (code >> 6));
      push(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      push(0xe0 | (code >> 12));
      push(0x80 | ((code >> 6) & 0x3f));
      push(0x80 | (code & 0x3f));
    } else {
      push(0xf0 | (code >> 18));
      push(0x80 | ((code >> 12) & 0x3f));
      push(0x80 | ((code >> 6) & 0x3f));
      push(0x80 | (code & 0x3f));
    }
  }
  state.h1 = h1;
  state.tail = tail;
  state.tailBytes = tailBytes;
  state.length = length;
}

export function murmur3Prefix(prefix: string, seed = 0): Murmur3Prefix {
  const state = { h1: seed | 0, tail: 0, tailBytes: 0, length: 0 };
  feed(state, prefix);
  return { ...state };
}

/** Finishes the hash of prefix + `text` as an unsigned 32-bit integer. */
export function murmur3WithPrefix(prefix: Murmur3Prefix, text: string): number {
  return finish(prefix, text, false);
}

/**
 * The bucket of prefix + `text`: bucketOf(murmur3WithPrefix(prefix, text)), taken where the hash is computed.
 * Three hashes in four are past V8's small integers (2^30), and one returned from a call the optimiser did not
 * inline is boxed as a heap number: 12 bytes for every bucketed evaluation whenever the engine's inlining budget
 * runs out before the hash (as it did once the split walk became a function). A bucket is always small, so
 * whichever of these calls stays a call, evaluation allocates nothing.
 */
export function bucketWithPrefix(prefix: Murmur3Prefix, text: string): number {
  return finish(prefix, text, true);
}

/** The one hashing of both: the hash, or its bucket when `bucket` (then the only number that leaves is small). */
function finish(prefix: Murmur3Prefix, text: string, bucket: boolean): number {
  let h1 = prefix.h1;
  let tail = prefix.tail;
  let tailBytes = prefix.tailBytes;
  let length = prefix.length;
  // The ASCII fast path inlined (units are ids: almost always ASCII); anything else takes the general path.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression: as `true` every character takes the general path, which encodes ASCII alike (its `false` twin, which would send non-ASCII down this path, is caught by murmur3.unit.test.ts)
    if (code >= 0x80) {
      const state = { h1, tail, tailBytes, length };
      feed(state, text.slice(i));
      ({ h1, tail, tailBytes, length } = state);
      break;
    }
    tail |= code << (tailBytes * 8);
    if (++tailBytes === 4) {
      h1 = mixBlock(h1, tail);
      tail = 0;
      tailBytes = 0;
    }
    length++;
  }
  // The 0 to 3 bytes left over. No `if (tailBytes > 0)`: an empty tail is 0, which mixes to 0 and leaves h1 as it is.
  let k1 = Math.imul(tail, C1);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, C2);
  h1 ^= k1;
  h1 ^= length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return bucket ? bucketOf(h1 >>> 0) : h1 >>> 0;
}

export function murmur3(text: string, seed = 0): number {
  return murmur3WithPrefix(murmur3Prefix('', seed), text);
}

/** A hash's bucket: `floor(h * 100000 / 2^32)`, in [0, 99999], so splits have a granularity of 0.001%. */
export function bucketOf(hash: number): number {
  return Math.floor((hash * 100_000) / 4_294_967_296);
}
