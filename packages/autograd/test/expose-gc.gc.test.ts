import { expect, test } from 'vitest';

// The `gc` project (vitest.config.ts) starts Node with --expose-gc; every *.gc.test.ts relies on it.
test('the gc project exposes the garbage collector', () => {
  expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
});
