/**
 * The one error type that carries an exit code. Commands throw it; src/cli.ts is the only place
 * that turns it into output and an exit status (changesets' ExitError pattern).
 *   2 = usage, configuration or environment problem (never "clean").
 */
export class GuardError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'GuardError';
    this.exitCode = exitCode;
  }
}
