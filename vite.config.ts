// Builds the KDesk App (web/) into web/dist, which the kdesk server serves with an index.html fallback.
// `npx vite` starts a dev server that proxies /api to a running kdesk server (KDESK_API_URL, default :3000).
// Two entries: index.html (the KDesk App for members) and portal.html (the contact portal under /portal/),
// so a contact's phone never downloads the agent app, and the two never share a session or layout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');

/** Dev server: /portal/<anything> answers portal.html, as `kdesk serve` does in production. */
const portalFallback: Plugin = {
  name: 'kdesk-portal-fallback',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      const url = req.url ?? '';
      const pathname = url.split('?')[0]!;
      // files under web/public/portal/ (manifest, service worker, icons) keep their own paths
      if ((pathname === '/portal' || pathname.startsWith('/portal/')) && !/\.[a-z0-9]+$/i.test(pathname)) req.url = '/portal.html';
      next();
    });
  },
};

const apiTarget = process.env.KDESK_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: 'web',
  plugins: [react(), portalFallback],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      input: { app: path.join(webRoot, 'index.html'), portal: path.join(webRoot, 'portal.html') },
      output: {
        // Libraries change less often than the app: separate chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 40 },
            { name: 'router', test: /node_modules[\\/]react-router[\\/]/, priority: 30 },
            { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/, priority: 30 },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/]/, priority: 20 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    // changeOrigin stays false: the server checks Origin against the Host it was addressed by (CSRF).
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: { port: 4173 },
});
