/**
 * The theory panel's worker: runs the properties off the page's thread, apart from the training
 * worker, so they answer even while a run trains.
 */
import * as T from '@lorafa/tensor';
import { runCheck, THEORY_CHECKS } from './properties.js';

T.setBackend('cpu'); // float64, the plain specification
const scope = self as unknown as { postMessage(message: unknown): void; onmessage: (() => void) | null };
scope.onmessage = () => {
  for (const check of THEORY_CHECKS) {
    try {
      scope.postMessage({ type: 'result', result: runCheck(check) });
    } catch (error) {
      scope.postMessage({ type: 'error', name: check.name, message: (error as Error).message });
    }
  }
  scope.postMessage({ type: 'done' });
};
