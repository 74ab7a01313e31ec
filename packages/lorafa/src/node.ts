/**
 * @lorafa/lorafa/node: the file-system side of @lorafa/lorafa, for Node only (the main entry
 * runs in a browser).
 */
export { savePeftAdapter, loadPeftAdapter } from './peft-adapter-files.js';
