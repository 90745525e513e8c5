import { createWebBridge } from './web.js';
import type { PaddockBridge } from './types.js';

let bridge: PaddockBridge | undefined;

/** Electron's preload bridge when present, the web-mode client otherwise. */
export function getBridge(): PaddockBridge {
  bridge ??= window.paddock ?? createWebBridge();
  return bridge;
}
