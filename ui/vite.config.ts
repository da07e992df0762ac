import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `vite dev` talks to a running `pnpm periscope start` on the default port.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
});
