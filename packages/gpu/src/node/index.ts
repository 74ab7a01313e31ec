/** Node-only parts of @lorafa/gpu: WebGPU through the `webgpu` package (Dawn). */
export { installNodeWebGpu } from './webgpu.js';
