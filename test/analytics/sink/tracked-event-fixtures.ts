/** Tracked events as applications send them (POST /api/v1/events, docs/api.md), for the sink's tests. */
export const exposure = (eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'exposure',
  eventId,
  flagKey: 'new-checkout',
  variant: 'on',
  unitId: `user-${eventId}`,
  timestamp: '2024-01-02T03:04:05.000Z',
  ...extra,
});

export const metric = (eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'metric',
  eventId,
  name: 'purchase',
  unitId: `user-${eventId}`,
  timestamp: '2024-01-02T04:00:00.000Z',
  ...extra,
});
