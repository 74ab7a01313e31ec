/**
 * `npm run playground` (serve, prints the URL) and `npm run playground:build` (a static site in
 * playground/dist/). Run with `tsx --conditions=source`.
 */
import { build, createServer } from 'vite';
import { playgroundConfig } from './config.js';

const command = process.argv[2] ?? 'serve';
if (command === 'build') {
  await build(playgroundConfig({ logLevel: 'info' }));
} else if (command === 'serve') {
  const server = await createServer(playgroundConfig({ logLevel: 'info' }));
  await server.listen();
  server.printUrls();
} else {
  console.error(`playground: unknown command '${command}' (expected serve or build)`);
  process.exit(2);
}
