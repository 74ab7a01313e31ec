import type { GPT2, GPT2Config } from '@lorafa/nn';
import { ByteTokenizer, gpt2FromTensors, parseGpt2Config, parseSafetensors } from '@lorafa/nn';

const MODEL = 'models/brown-base';

/** What the page fetches once: the embedded model's files and the Brown fiction split. */
export interface Assets {
  config: GPT2Config;
  weights: Uint8Array;
  tokenizer: ByteTokenizer;
  /** Training and held-out text, split by the CLI's `loadCorpus('brown:fiction')` at build time. */
  corpus: { name: string; train: string; heldOut: string };
}

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

export async function fetchAssets(baseUrl: string): Promise<Assets> {
  const at = (path: string) => new URL(path, baseUrl);
  const [configText, weights, tokenizerConfig, corpus] = await Promise.all([
    fetchOk(at(`${MODEL}/config.json`)).then((r) => r.text()),
    fetchOk(at(`${MODEL}/model.safetensors`)).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(at(`${MODEL}/tokenizer_config.json`)).then((r) => r.json()),
    fetchOk(at('data/fiction.json')).then((r) => r.json()),
  ]);
  // As the CLI's tokenizerFor: the embedded model names the byte tokenizer.
  if ((tokenizerConfig as { tokenizer_class?: string }).tokenizer_class !== 'ByteTokenizer')
    throw new Error(`${MODEL}/tokenizer_config.json: expected tokenizer_class ByteTokenizer`);
  return {
    config: parseGpt2Config(configText, `${MODEL}/config.json`),
    weights,
    tokenizer: new ByteTokenizer(),
    corpus: corpus as Assets['corpus'],
  };
}

/** A fresh GPT-2 from the embedded weights, its tensors on the current default backend. */
export function loadModel(assets: Assets): GPT2 {
  const source = `${MODEL}/model.safetensors`;
  return gpt2FromTensors(assets.config, parseSafetensors(assets.weights, source).tensors, source);
}
