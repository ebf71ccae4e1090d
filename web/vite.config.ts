import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The app is served by Flagstaff at `/` (src/http/web-app.ts); `npm run dev` proxies the APIs to a local Flagstaff.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: Object.fromEntries(['/admin', '/api', '/health'].map((p) => [p, process.env['FLAGSTAFF_URL'] ?? 'http://127.0.0.1:8080'])),
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.spec.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
