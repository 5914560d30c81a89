/**
 * Vite builds the dashboard (src/web) into static files in src/web/dist, which the API server
 * serves at `/` (src/http/routes/web.ts). `npm run build:web` runs it; the browser tests build
 * it through Vite's API when the bundle is missing or older than its sources.
 * No CDN: uPlot and everything else is bundled.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the dashboard also works behind a reverse proxy under a path prefix.
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // One small bundle; BigInt (exact decimals) needs nothing older than this.
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
});
