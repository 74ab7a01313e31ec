/** Where a command writes: `out` for results (stdout), `err` for messages and warnings (stderr). */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

/** A command: parses its arguments, runs, and returns its exit code (see EXIT). */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;
