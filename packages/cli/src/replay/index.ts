/**
 * The browser-safe part of `lorafa replay` (`@lorafa/cli/replay`): build a fixture from a
 * safetensors file's contents and replay it on whatever backend is the default. The GPT-2
 * replay reads its model folder from disk and stays Node-only (commands/replay.ts).
 */
export type { Check } from './checks.js';
export { CheckList, relativeError, TOLERANCE } from './checks.js';
export type { Fixture } from './fixture.js';
export { fixtureFromContents } from './fixture.js';
export { replayMlp } from './mlp.js';
