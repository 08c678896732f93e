export { createOnnxAsr, OnnxCtcAsr, type OnnxAsrOptions } from './onnx.js';
export { AsrModelError, loadManifest, type AsrManifest } from './manifest.js';
export { normalizeForAsr } from './text.js';
export type { AsrEngine, AsrStream, AsrStreamOptions, AsrFinal, AsrPartial } from './types.js';
