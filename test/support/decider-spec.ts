import { expect } from 'vitest';

/**
 * Given/when/then for pure deciders (the Emmett style): given past events, when a command, then these new
 * events — or this error. The state is folded from the given events with the aggregate's own evolve.
 */
export function deciderSpec<State, Command, Event>(aggregate: {
  evolve: (state: State | undefined, event: Event) => State;
  decide: (command: Command, state: State | undefined) => Event[];
}) {
  return (given: Event[]) => ({
    when: (command: Command) => {
      const run = (): Event[] => aggregate.decide(command, given.reduce<State | undefined>(aggregate.evolve, undefined));
      return {
        then: (expected: Event[]): void => {
          expect(run()).toEqual(expected);
        },
        thenThrows: (errorType: abstract new (...args: never[]) => Error, detail?: RegExp): Error => {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(errorType);
          const error = caught as Error & { issues?: { detail: string; pointer: string }[] };
          if (detail) {
            const text = [error.message, ...(error.issues ?? []).map((i) => `${i.pointer} ${i.detail}`)].join('\n');
            expect(text).toMatch(detail);
          }
          return error;
        },
      };
    },
  });
}
