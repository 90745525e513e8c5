import { defineConfig } from 'vite';

// The renderer only: index.html at the root, output in dist/renderer, relative
// asset URLs so Electron can load it from file:// and web mode from "/".
// JSX is compiled by Vite's esbuild (tsconfig "jsx": "react-jsx"); no plugin needed.
export default defineConfig({
  root: '.',
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    chunkSizeWarningLimit: 1500,
    rollupOptions: { input: 'index.html' },
  },
  esbuild: { jsx: 'automatic' },
  server: { host: '127.0.0.1', strictPort: false },
});
