import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A new secret with a readable prefix (so a leaked one is recognisable in logs and scanners). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function newId(): string {
  return randomUUID();
}
