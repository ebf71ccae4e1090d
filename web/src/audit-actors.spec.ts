import { describe, expect, it } from 'vitest';
import { actorChoices } from './audit-actors.ts';

describe('actorChoices', () => {
  it('offers a token by its name, which finds every token of that name', () => {
    expect(actorChoices(['token:ci-bot#a1b2', 'token:ci-bot#c3d4', 'token:alice#e5'])).toEqual(['token:alice', 'token:ci-bot']);
  });

  it('offers other actors as they are, each once, sorted, and skips entries without one', () => {
    expect(actorChoices(['system', null, 'bootstrap-admin', 'system', 'token:ops#9'])).toEqual(['bootstrap-admin', 'system', 'token:ops']);
    expect(actorChoices([])).toEqual([]);
  });

  it('keeps a token actor without an id whole', () => {
    expect(actorChoices(['token:legacy'])).toEqual(['token:legacy']);
  });
});
