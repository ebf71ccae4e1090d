import type autocannon from 'autocannon';
import { CHECKOUT_FLAG } from './seed.ts';

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** The API's example request, for 1,000 different users in turn (so no response is one cached URL's). */
export function evaluationRequests(serverKey: string): autocannon.Request[] {
  return Array.from({ length: 1_000 }, (_, i) => ({
    method: 'GET',
    path: `/api/v1/flags/${CHECKOUT_FLAG}?environment=production&targetingKey=user-${i * 7919}&country=US`,
    headers: bearer(serverKey),
  }));
}

/** Every flag of the environment for 500 different contexts, each with the attributes the seeded rules test. */
export function batchRequests(serverKey: string): autocannon.Request[] {
  return Array.from({ length: 500 }, (_, i) => ({
    method: 'POST',
    path: '/api/v1/flags/batch',
    headers: { ...bearer(serverKey), 'content-type': 'application/json' },
    body: JSON.stringify({ environment: 'production', context: batchContext(i) }),
  }));
}

function batchContext(i: number): Record<string, unknown> {
  const countries = ['US', 'CA', 'GB', 'DE', 'FR', 'BR', 'JP', 'IN'];
  return {
    targetingKey: `user-${i * 104_729}`,
    country: countries[i % countries.length],
    plan: ['free', 'premium', 'enterprise'][i % 3],
    email: i % 4 === 0 ? `ann.smith${i}@example.com` : `user${i}@mail.example`,
    appVersion: `2.${i % 12}.${i % 5}`,
    platform: ['ios', 'android', 'web'][i % 3],
    age: 16 + (i % 50),
    createdAt: `202${i % 6}-0${1 + (i % 9)}-15T10:00:00Z`,
  };
}
