import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { EnvironmentEvent } from '../../shared/environment-events.ts';

export interface Environment {
  readonly key: string;
  readonly name: string;
  readonly production: boolean;
}

export type EnvironmentCommand =
  | { type: 'CreateEnvironment'; data: Environment }
  | { type: 'ChangeEnvironment'; data: { name?: string | undefined; production?: boolean | undefined } };

export function evolveEnvironment(state: Environment | undefined, event: EnvironmentEvent): Environment {
  switch (event.type) {
    case 'EnvironmentCreated':
      return event.data;
    case 'EnvironmentChanged':
      if (!state) throw new Error('EnvironmentChanged before EnvironmentCreated');
      return { ...state, ...event.data };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown environment event ${(exhaustive as EnvironmentEvent).type}`);
    }
  }
}

export function decideEnvironment(command: EnvironmentCommand, state: Environment | undefined): EnvironmentEvent[] {
  switch (command.type) {
    case 'CreateEnvironment':
      if (state) throw new ConflictError(`Environment ${command.data.key} already exists`);
      return [{ type: 'EnvironmentCreated', data: command.data }];
    case 'ChangeEnvironment': {
      if (!state) throw new NotFoundError('Environment not found');
      const next = { name: command.data.name ?? state.name, production: command.data.production ?? state.production };
      return next.name === state.name && next.production === state.production ? [] : [{ type: 'EnvironmentChanged', data: next }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as EnvironmentCommand).type}`);
    }
  }
}
