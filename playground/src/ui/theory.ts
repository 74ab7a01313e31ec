import { h } from './dom.js';

/** Placeholder replaced below. */
export function theoryPanel(): HTMLElement {
  return h('p', {}, 'Theory panel: not built yet.');
}
