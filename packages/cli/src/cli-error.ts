import { SafetensorsError } from '@lorafa/nn';

/**
 * The exit codes of every `lorafa` command, defined once. Every error prints as one line on
 * stderr (LORAFA_DEBUG=1 adds the stack).
 */
export const EXIT = {
  ok: 0,
  /** A numerical failure: a replay check over tolerance, a diverged (NaN/∞) training run. */
  failure: 1,
  /** Bad input: arguments, missing or malformed files, too little data, an unusable --out. */
  badInput: 2,
  /** An internal error: a bug in lorafa-ts. */
  internal: 3,
} as const;

/** The paragraph every --help ends with. */
export const EXIT_STATUS_HELP = `Exit status: 0 success; 1 a numerical failure (a replay check over tolerance, a diverged
run); 2 bad input (arguments, files, data; one line on stderr); 3 an internal error (a bug:
rerun with LORAFA_DEBUG=1 for the stack and report it).`;

/** An error with the exit code it ends the command with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A problem with the user's input: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** A numerical failure (exit code 1): the computation ran and its result is wrong or diverged. */
export class NumericalFailure extends CliError {
  override name = 'NumericalFailure';
  constructor(message: string) {
    super(message, EXIT.failure);
  }
}

/** File-system error codes that mean the user named a path that cannot be used. */
const PATH_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'a part of the path is a file, expected a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
};

/** The exit code and the one line an error ends a command with. */
export function describeError(error: unknown): { code: number; message: string } {
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (error instanceof SafetensorsError) return { code: EXIT.badInput, message: error.message };
  const systemError = error as NodeJS.ErrnoException;
  if (systemError?.code && PATH_PROBLEMS[systemError.code]) {
    const where = systemError.path ?? systemError.syscall ?? '';
    return { code: EXIT.badInput, message: `${where}: ${PATH_PROBLEMS[systemError.code]} (${systemError.code})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: EXIT.internal,
    message: `internal error: ${message} (a bug in lorafa-ts; LORAFA_DEBUG=1 prints the stack)`,
  };
}

/**
 * Runs a step that reads the user's files (a model folder, a checkpoint, a fixture): an error
 * the libraries raise about the input (a plain Error naming the file and field) becomes a
 * UsageError; a TypeError, RangeError or other bug stays internal.
 */
export function readingInput<R>(read: () => R): R {
  try {
    return read();
  } catch (error) {
    if (error instanceof Error && error.constructor === Error) throw new UsageError(error.message);
    throw error;
  }
}
