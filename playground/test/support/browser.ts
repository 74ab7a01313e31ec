import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { chromium } from 'playwright';
import type { PreviewServer } from 'vite';
import { build, preview } from 'vite';
import { playgroundConfig } from '../../vite/config.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The system Chromium (Playwright's download is unreachable here), or the one line that says why not. */
export function chromiumMissing(): string | null {
  if (process.env['LORAFA_BROWSER'] === '0') return 'playground tests skipped: LORAFA_BROWSER=0';
  if (!existsSync(CHROMIUM))
    return `playground tests skipped: ${CHROMIUM} not found (install: apt-get install -y chromium)`;
  return null;
}

/**
 * The playground built as the static site `npm run playground:build` writes (into a temporary
 * folder), served by Vite's preview server on a free localhost port with the isolation headers,
 * and headless Chromium with WebGPU (SwiftShader) enabled.
 */
export async function servePlayground(): Promise<{ url: string; browser: Browser; close: () => Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'lorafa-playground-'));
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  // Chromium starts while Vite builds.
  const launching = launchChromium();
  try {
    await build(playgroundConfig({ logLevel: 'error', build: { outDir } }));
    server = await preview(
      playgroundConfig({ logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } }),
    );
    browser = await launching;
  } catch (error) {
    await launching.then((b) => b.close()).catch(() => {});
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  const url = server.resolvedUrls!.local[0]!;
  const opened = { server, browser };
  return {
    url,
    browser,
    close: async () => {
      await opened.browser.close();
      await opened.server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium; WebGPU (SwiftShader) unless `webgpu` is false (Linux keeps it behind the flag). */
export function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
}
