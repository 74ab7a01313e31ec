/**
 * @lorafa/nn/node: the file-system side of @lorafa/nn, for Node only. The main entry
 * (`@lorafa/nn`) works on bytes and parsed JSON and runs in a browser; these functions read and
 * write files.
 */
export { openSafetensors, readSafetensorsFile, writeSafetensorsFile } from './safetensors/file.js';
export type { SafetensorsReader } from './safetensors/file.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { readGpt2Config, loadGpt2, saveGpt2 } from './gpt2/pretrained.js';
export { loadHfTokenizer } from './tokenizers/hf-tokenizer-file.js';
