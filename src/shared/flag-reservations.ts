import type { CommandContext } from './command-handler.ts';

export interface ExperimentReservation {
  readonly flagKey: string;
  readonly environment: string;
  readonly experimentKey: string;
  /** The experiment's stream version its start (or restart) will append at. */
  readonly experimentVersion: number;
}

/**
 * How the experiments slice reserves a flag before an experiment starts on it. The flag's stream owns "which
 * experiment holds it in which environment", so that starts, and archiving the flag, meet in one stream's
 * expected version instead of in a projection read first. The write side implements it.
 */
export interface FlagReservations {
  /** Throws the domain error (422, or 409 for an archived flag) when another experiment holds the flag there. */
  attachExperiment(reservation: ExperimentReservation, context: CommandContext): Promise<void>;
}
