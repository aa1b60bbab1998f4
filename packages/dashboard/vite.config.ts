import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by `switchboard serve` at /dashboard. `npm run dev -w @switchboard/dashboard` proxies the
// API to a server on 12111 (SWITCHBOARD_URL to change it).
export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: { '/v1': process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:12111' },
  },
});
