/** Whether ops record onto the tape. `noGrad` turns recording off for the duration of `fn`. */
let enabled = true;

/** Whether ops record on the tape now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording (evaluation, optimizer updates). Synchronous `fn` only. */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}
