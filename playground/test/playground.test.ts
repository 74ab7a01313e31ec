/**
 * The playground in a real browser: the static site built, served, and driven in headless
 * Chromium (WebGPU through SwiftShader). Left out, with one line saying so, where
 * /usr/bin/chromium is missing or LORAFA_BROWSER=0.
 */
import { mkdirSync, copyFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGpt2Config } from '@lorafa/nn';
import type { LoraMethod } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec, LORA_METHODS } from '@lorafa/lorafa';
import { SAVED_KINDS } from '../src/protocol.js';
import { chromiumMissing, launchChromium, servePlayground } from './support/browser.js';
import { cliLosses } from './support/cli-run.js';

const skipped = chromiumMissing();
if (skipped) console.log(skipped);

/** A 3-step LoRA-FA run, small enough for SwiftShader: the page's controls and the CLI's flags. */
const RUN = { method: 'lora-fa', steps: '3', batch: '2', seq: '16', 'eval-batches': '1', seed: '0' };
const SCREENSHOTS = 'playground/screenshots';

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string) =>
  heading
    .replace(/^#+ /, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');

describe.skipIf(skipped !== null)('the playground in Chromium', () => {
  let close: () => Promise<void>;
  let url: string;
  let browser: Browser;
  let page: Page;
  let cli: Promise<number[]>;
  /** Chromium without WebGPU and its page, ready: opened in beforeAll, so it loads beside the main page. */
  let plain: Promise<Browser> | undefined;
  let withoutWebGpu: Promise<Page>;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    cli = cliLosses(RUN);
    plain = launchChromium({ webgpu: false }); // starts while the site builds
    plain.catch(() => {}); // awaited, and reported, by the test that uses it
    const launched = plain;
    ({ url, browser, close } = await servePlayground());
    withoutWebGpu = (async () => {
      const other = await (await launched).newPage();
      await other.goto(url);
      await other.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      return other;
    })();
    withoutWebGpu.catch(() => {}); // awaited, and reported, by its test
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    await page.waitForSelector('#saved-bytes-table');
  }, 120_000);

  afterAll(async () => {
    await plain?.then((b) => b.close()).catch(() => {});
    await close?.();
  });

  it('loads the model and the data without console errors', async () => {
    expect(await page.textContent('#status')).toMatch(/^Ready: 124,736 parameters; 1,171,397 training/);
    expect(await page.textContent('#status')).toContain('Cross-origin isolated');
    expect(consoleErrors).toEqual([]);
  });

  it('labels every control, offers each backend or says why not, and tabs in layout order', async () => {
    const unlabelled = await page.$$eval('input, select, textarea, button', (controls) =>
      controls
        .filter((c) => {
          const labels = (c as HTMLInputElement).labels;
          const name = c.getAttribute('aria-label') ?? (c.tagName === 'BUTTON' ? c.textContent?.trim() : '');
          return !(labels && labels.length > 0 && labels[0]!.textContent!.trim()) && !name;
        })
        .map((c) => c.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    for (const name of ['gpu-webgpu', 'gpu-webgl2', 'cpu-fast', 'cpu']) {
      const radio = page.locator(`#backend-${name}`);
      expect(await radio.isDisabled(), name).toBe(false); // SwiftShader's WebGPU and WebGL2 are there
    }
    // Tab through the form: focus visits the enabled controls in document order.
    const inOrder = await page.$$eval('form input:not([disabled]), form select, form button:not([disabled])', (all) =>
      all
        .filter((e) => !(e instanceof HTMLInputElement && e.type === 'radio' && !e.checked))
        .map((e) => e.id || e.textContent),
    );
    await page.focus('#method');
    const visited = [await page.evaluate(() => document.activeElement!.id)];
    for (let i = 1; i < inOrder.length; i++) {
      await page.keyboard.press('Tab');
      visited.push(await page.evaluate(() => document.activeElement!.id || document.activeElement!.textContent));
    }
    expect(visited).toEqual(inOrder);
    expect(await page.$$('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])')).toHaveLength(0);
    expect(await page.$$eval('svg.chart', (charts) => charts.every((c) => c.querySelector('title')?.textContent))).toBe(
      true,
    );
  });

  it('greys out a backend that cannot run here and says why (Chromium without WebGPU)', async () => {
    try {
      const other = await withoutWebGpu;
      expect(await other.locator('#backend-gpu-webgpu').isDisabled()).toBe(true);
      expect(await other.textContent('#backend-gpu-webgpu-why')).toMatch(/WebGPU/);
      expect(await other.getAttribute('#backend-gpu-webgpu', 'aria-describedby')).toBe('backend-gpu-webgpu-why');
      expect(await other.locator('#backend-cpu-fast').isDisabled()).toBe(false);
    } finally {
      await (await plain)?.close();
    }
  }, 90_000);

  it("draws each method's saved bytes by kind as the memory model's breakdown says (LoRA-FA: H alone, N·r per adapted linear)", async () => {
    const config = parseGpt2Config(readFileSync('models/brown-base/config.json', 'utf8'), 'config.json');
    const spec = gpt2Spec({
      name: 'brown-base',
      nEmbd: config.n_embd,
      nLayer: config.n_layer,
      nHead: config.n_head,
      vocab: config.vocab_size,
      nPositions: config.n_positions,
    });
    // The page measures at the batch, sequence length and rank its controls show.
    const [batch, seq, rank] = await Promise.all(
      ['#batch', '#seq', '#rank'].map(async (id) => Number(await page.inputValue(id))),
    );
    const bars = await page.$$eval('rect[data-source]', (rects) =>
      rects.map((r) => ({
        key: `${r.getAttribute('data-method')} ${r.getAttribute('data-source')} ${r.getAttribute('data-kind')}`,
        bytes: Number(r.getAttribute('data-bytes')),
      })),
    );
    const bar = (method: LoraMethod, source: 'tape' | 'model', kind: string) =>
      bars.find((b) => b.key === `${method} ${source} ${kind}`)?.bytes;
    const tableRows = await page.$$eval('#saved-bytes-table tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    for (const method of LORA_METHODS) {
      const modelled = gpt2SavedActivations(spec, {
        method,
        batch,
        seq,
        rank,
        attention: config.attention,
        floatBytes: 4,
      });
      for (const kind of SAVED_KINDS) {
        expect(bar(method, 'tape', kind), `${method}: ${kind} on the tape`).toBe(modelled[kind]);
        expect(bar(method, 'model', kind), `${method}: ${kind} in the model`).toBe(modelled[kind]);
      }
      const numbers = [...SAVED_KINDS.map((kind) => String(modelled[kind])), String(modelled.total)];
      expect(tableRows).toContainEqual([method, 'tape', ...numbers]);
      expect(tableRows).toContainEqual([method, 'memory model', ...numbers]);
    }
    // Table 1: LoRA-FA's linears keep H = X Aᵀ alone, N·r floats per adapted linear (four per block).
    expect(bar('lora-fa', 'tape', 'linearH')).toBe(config.n_layer * 4 * batch * seq * rank * 4);
    expect(bar('lora-fa', 'tape', 'linearX')).toBe(0);
    expect(bar('lora', 'tape', 'linearH')).toBe(bar('lora-fa', 'tape', 'linearH'));
    expect(await page.textContent('#saved-bytes-agreement')).toMatch(/agree on every kind, for every method/);
  });

  it('checks four theorems of docs/theory.md live with fast-check, each linked to its section', async () => {
    await page.waitForFunction(() => /properties,/.test(document.querySelector('#theory-summary')?.textContent ?? ''));
    expect(await page.textContent('#theory-summary')).toBe('4 properties, all pass.');
    const rows = await page.$$eval('#theory-table tbody tr', (all) =>
      all.map((r) => ({
        href: r.querySelector('a')!.getAttribute('href'),
        cells: [...r.querySelectorAll('td')].map((c) => c.textContent),
      })),
    );
    const theory = readFileSync('docs/theory.md', 'utf8');
    for (const { href, cells } of rows) {
      expect(cells[1]).toBe('100');
      expect(cells[2]).toBe('0');
      const heading = theory.split('\n').find((line) => /^#+ /.test(line) && slug(line) === href!.split('#')[1]);
      expect(heading, href!).toBeDefined();
    }
    expect(await page.evaluate(async () => (await fetch('docs/theory.md')).status)).toBe(200);
  });

  it('turns the raw update away from the corrected one the more, the larger cond(A Aᵀ)', async () => {
    const cosineAt = async (log10Kappa: string) => {
      await page.fill('#kappa', log10Kappa);
      return Number((await page.textContent('output[for="kappa"]'))!.split('= ').at(-1));
    };
    expect(await cosineAt('0')).toBe(1);
    const at100 = await cosineAt('2');
    expect(at100).toBeLessThan(0.99);
    expect(await cosineAt('3')).toBeLessThan(at100);
  });

  /** Sets the run's controls, starts it and waits until the runs table says it is done. */
  async function runOn(
    backend: string,
    settings: Partial<typeof RUN> & { init?: string; correction?: boolean } = {},
  ): Promise<{ shown: string[]; ran: string; tokensPerSecond: string }> {
    const run = { ...RUN, ...settings };
    await page.check(`#backend-${backend.replace(':', '-')}`);
    await page.selectOption('#method', run.method);
    await page.selectOption('#init', settings.init ?? 'gaussian');
    await page.setChecked('#correction', settings.correction ?? true);
    for (const field of ['steps', 'batch', 'seq', 'eval-batches', 'seed'] as const)
      await page.fill(`#${field}`, run[field]);
    const before = await page.locator('#runs-table tbody tr').count();
    await page.click('button[type=submit]');
    const row = page.locator('#runs-table tbody tr').nth(before);
    await page.waitForFunction(
      (n) =>
        /^(done|stopped|failed)/.test(
          document.querySelectorAll('#runs-table tbody tr')[n]?.lastElementChild?.textContent ?? '',
        ),
      before,
      { timeout: 90_000 },
    );
    const cells = await row.locator('td').allTextContents();
    expect(cells.at(-1)).toMatch(/^done/);
    const id = cells[0]!;
    const shown = await page.$$eval(
      '#loss-table tbody tr',
      (rows, id) =>
        rows
          .map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent!))
          .filter((c) => c[0] === id)
          .map((c) => c[2]!),
      id,
    );
    return { shown, ran: cells[2]!, tokensPerSecond: cells[7]! };
  }

  it('pauses, resumes and stops a run while the page stays responsive', async () => {
    for (const field of ['batch', 'seq'] as const) await page.fill(`#${field}`, RUN[field]); // short steps
    await page.fill('#steps', '200');
    await page.click('button[type=submit]');
    const steps = () => page.$$eval('#loss-table tbody tr', (rows) => rows.length);
    const before = await steps();
    await page.waitForFunction((n) => document.querySelectorAll('#loss-table tbody tr').length > n, before, {
      timeout: 30_000,
    });
    await page.click('text=Pause');
    await page.waitForSelector('button:has-text("Resume")'); // the worker has halted
    await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(drawn))); // its last step is drawn
    const paused = await steps();
    await page.waitForTimeout(500);
    expect(await steps()).toBe(paused);
    await page.click('text=Resume');
    await page.waitForFunction((n) => document.querySelectorAll('#loss-table tbody tr').length > n, paused, {
      timeout: 30_000,
    });
    await page.click('text=Reset');
    await page.waitForFunction(() => document.body.dataset['running'] === 'false', null, { timeout: 30_000 });
    expect(await page.$$('#runs-table tbody tr')).toHaveLength(0);
  }, 90_000);

  it('runs 3 LoRA-FA steps on cpu-fast and shows the losses the CLI computes for the same seed and data', async () => {
    const { shown, ran, tokensPerSecond } = await runOn('cpu-fast');
    expect(ran).toBe('cpu-fast');
    expect(Number(tokensPerSecond.replace(/,/g, ''))).toBeGreaterThan(0);
    // cpu-fast is bit-identical to cpu wherever it runs: the same seven digits.
    expect(shown).toEqual((await cli).map((loss) => loss.toPrecision(7)));
    // On a host backend the correction's diagnostics are measured every step.
    const cosines = await page.$$eval('#correction-table tbody tr', (rows) =>
      rows.map((r) => Number(r.querySelectorAll('td')[2]!.textContent)),
    );
    expect(cosines).toHaveLength(3);
    for (const cosine of cosines) {
      expect(cosine).toBeGreaterThan(0);
      expect(cosine).toBeLessThanOrEqual(1);
    }
  }, 120_000);

  it('runs 3 LoRA-FA steps on gpu:webgpu (SwiftShader) to the same losses, within float32 rounding', async () => {
    const { shown, ran } = await runOn('gpu:webgpu');
    expect(ran).toBe('gpu:webgpu');
    const expected = await cli;
    expect(shown).toHaveLength(3);
    shown.forEach((loss, i) => expect(Math.abs(Number(loss) - expected[i]!)).toBeLessThan(1e-4 * expected[i]!));
    expect(await page.textContent('#text')).toMatch(/After: .*\S/);
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('fits 1280 x 800 and a 390 px wide screen without horizontal scrolling (screenshots in playground/screenshots)', {
    timeout: 180_000,
  }, async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.$$eval('details', (all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.$$eval('details', (all) => all.forEach((d) => ((d as HTMLDetailsElement).open = false)));
    await page.fill('#kappa', '2');
    // The README's picture, refreshed on request (LORAFA_UPDATE_SCREENSHOTS=1, so that a test run
    // leaves the tree clean), after two longer runs: LoRA-FA from an anisotropic A, with and
    // without the correction.
    const updateReadme = process.env['LORAFA_UPDATE_SCREENSHOTS'] === '1';
    if (updateReadme) {
      for (const correction of [true, false])
        await runOn('cpu-fast', {
          steps: '40',
          batch: '8',
          seq: '64',
          'eval-batches': '2',
          init: 'anisotropic',
          correction,
        });
      expect(await overflow()).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: `${SCREENSHOTS}/desktop.png`, fullPage: true });
    if (updateReadme) copyFileSync(`${SCREENSHOTS}/desktop.png`, 'docs/images/playground.png');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.$$eval('details', (all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.$$eval('details', (all) => all.forEach((d) => ((d as HTMLDetailsElement).open = false)));
    await page.screenshot({ path: `${SCREENSHOTS}/narrow.png`, fullPage: true });
  });
});
