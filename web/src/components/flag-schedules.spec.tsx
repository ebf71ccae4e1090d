import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlagSchedule } from '../admin-types.ts';
import type { Flag, Targeting } from '../types.ts';
import { FlagSchedules } from './flag-schedules.tsx';

const targeting: Targeting = { enabled: false, offVariant: 'off', bucketBy: 'targetingKey', prerequisites: [], targets: [], rules: [], defaultServe: { variant: 'on' } };
const flag: Flag = {
  key: 'launch-banner', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, archived: false,
  version: 4, createdAt: '2026-12-07T10:00:00Z', updatedAt: '2026-12-07T10:00:00Z', updatedBy: null, environments: { staging: targeting },
};
const schedule = (over: Partial<FlagSchedule>): FlagSchedule => ({
  id: 's1', flagKey: 'launch-banner', environment: 'staging', at: '2030-01-31T09:00:00Z', change: { enabled: true },
  status: 'pending', createdBy: 'bootstrap-admin', reason: null, ifVersion: 3, ...over,
});

/** The API as the page sees it: the list answers `listed`, a POST answers `posted` (and is recorded). */
function stubApi(listed: FlagSchedule[], posted: { status: number; body: unknown }) {
  const requests: { method: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (_path: string, init: { method: string; body?: string }) => {
    requests.push({ method: init.method, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const answer = init.method === 'GET' ? { status: 200, body: { schedules: listed } } : posted;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  });
  return requests;
}

const original = process.env['TZ'];
beforeEach(() => {
  process.env['TZ'] = 'Asia/Kolkata'; // UTC+5:30: the typed time is the viewer's
  Element.prototype.scrollIntoView = () => undefined; // jsdom lays nothing out
});
afterEach(() => {
  vi.unstubAllGlobals();
  if (original === undefined) delete process.env['TZ'];
  else process.env['TZ'] = original;
});

const show = (onChanged: () => void = () => undefined) => render(<FlagSchedules flag={{ body: flag, etag: 'W/"4"' }} environment="staging" draft={null} onChanged={onChanged} />);

describe('FlagSchedules', () => {
  it('lists the schedules in words, with a Cancel button on the pending ones only', async () => {
    stubApi([schedule({ id: 'a' }), schedule({ id: 'b', change: { enabled: false }, status: 'failed', failure: 'the flag changed after version 3' })], { status: 201, body: {} });
    show();
    const rows = await screen.findAllByRole('row');
    const [pending, failed] = rows.slice(1);
    expect(pending!.textContent).toMatch(/Turn on.*pending.*bootstrap-admin.*fails if the flag changes after version 3/);
    expect(within(pending!).getByRole('button', { name: /^Cancel Turn on at 2030-01-31 14:30:00 UTC\+5:30$/ })).toBeTruthy();
    expect(failed!.textContent).toMatch(/Turn off.*failed.*Failed: the flag changed after version 3/);
    expect(within(failed!).queryByRole('button')).toBeNull();
  });

  it('offers the targeting draft only while there is one', async () => {
    stubApi([], { status: 201, body: {} });
    const { rerender } = show();
    await screen.findByText('Nothing scheduled in staging.');
    const options = () => Array.from(screen.getByLabelText('Change').querySelectorAll('option')).map((o) => o.textContent);
    expect(options()).toEqual(['Turn on', 'Turn off']);
    rerender(<FlagSchedules flag={{ body: flag, etag: 'W/"4"' }} environment="staging" draft={{ ...targeting, enabled: true }} onChanged={() => undefined} />);
    expect(options()).toEqual(['Turn on', 'Turn off', 'Schedule the current targeting draft']);
  });

  it('sends the typed time in UTC, bound to the version shown, puts a refusal on the field its pointer names, and reloads a flag that moved', async () => {
    const requests = stubApi([], { status: 409, body: { status: 409, title: 'Invalid schedule', errors: [{ pointer: '#/ifVersion', detail: 'the flag is at version 5, not 4: reload it and retry' }] } });
    const onChanged = vi.fn();
    show(onChanged);
    await screen.findByText('Nothing scheduled in staging.');
    fireEvent.change(screen.getByLabelText('At'), { target: { value: '2030-01-31T14:30:15' } });
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: ' launch ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Schedule' }));
    const checkbox = screen.getByLabelText('Fail if the flag changes before then');
    await waitFor(() => expect(checkbox.getAttribute('aria-invalid')).toBe('true'));
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ at: '2030-01-31T09:00:15.000Z', change: { enabled: true }, ifVersion: 4, reason: 'launch' });
    expect(document.activeElement).toBe(checkbox);
    expect(document.getElementById(checkbox.getAttribute('aria-describedby')!.split(' ')[1]!)?.textContent).toBe('the flag is at version 5, not 4: reload it and retry');
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('asks for a time before asking the server, and unbound sends no version', async () => {
    const requests = stubApi([], { status: 201, body: schedule({ ifVersion: null }) });
    const onChanged = vi.fn();
    show(onChanged);
    await screen.findByText('Nothing scheduled in staging.');
    fireEvent.click(screen.getByRole('button', { name: 'Schedule' }));
    await waitFor(() => expect(screen.getByLabelText('At').getAttribute('aria-invalid')).toBe('true'));
    expect(document.activeElement).toBe(screen.getByLabelText('At'));
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);

    fireEvent.change(screen.getByLabelText('At'), { target: { value: '2030-01-31T14:30' } });
    fireEvent.click(screen.getByLabelText('Fail if the flag changes before then'));
    fireEvent.change(screen.getByLabelText('Change'), { target: { value: 'off' } });
    fireEvent.click(screen.getByRole('button', { name: 'Schedule' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1));
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ at: '2030-01-31T09:00:00.000Z', change: { enabled: false } });
    // A schedule moves the flag's version: the page reads the flag again.
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
  });
});
