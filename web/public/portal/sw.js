// Service worker of the contact portal (scope /portal/). It caches the app shell only — the portal page,
// its hashed scripts and styles, the manifest and icons — so the portal opens fast and installs as an
// app. It never caches API answers: everything under /api/ (profile, codes, sessions) goes to the network
// untouched, so no personal data is kept on the device by this worker.
/* global self, caches, Response */

const SHELL_CACHE = 'kdesk-portal-shell-v1';
const SHELL_URL = '/portal/';
const STATIC_FILES = ['/portal/manifest.webmanifest', '/portal/icons/icon.svg', '/portal/icons/icon-192.png'];

const isAsset = (url) => url.pathname.startsWith('/assets/');
const isStatic = (url) => STATIC_FILES.includes(url.pathname) || url.pathname.startsWith('/portal/icons/');

/** Keeps a fresh copy of the shell and the scripts/styles it names; hashed files it no longer names are dropped. */
async function storeShell(res) {
  const cache = await caches.open(SHELL_CACHE);
  const html = await res.clone().text();
  const wanted = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]));
  await cache.put(SHELL_URL, res);
  for (const path of wanted) if (!(await cache.match(path))) await cache.add(path).catch(() => undefined);
  // a new release: forget hashed files the new shell no longer names (the portal has no lazy chunks: the shell names every file it needs)
  for (const req of await cache.keys()) {
    const url = new URL(req.url);
    if (isAsset(url) && !wanted.has(url.pathname)) await cache.delete(req);
  }
}

async function install() {
  const res = await fetch(SHELL_URL, { cache: 'no-store', credentials: 'omit' });
  if (res.ok) await storeShell(res);
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(STATIC_FILES.map((path) => cache.add(path).catch(() => undefined)));
}

self.addEventListener('install', (event) => {
  event.waitUntil(install().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('kdesk-portal-') && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // API answers are personal and always live: never from or into a cache
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;

  if (req.mode === 'navigate' && (url.pathname === '/portal' || url.pathname.startsWith('/portal/'))) {
    // network first, so a new release shows at once; the cached shell when offline
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) event.waitUntil(storeShell(res.clone()).catch(() => undefined));
          return res;
        })
        .catch(async () => (await caches.match(SHELL_URL)) ?? Response.error()),
    );
    return;
  }

  if (isAsset(url) || isStatic(url)) {
    // hashed files never change: cache first, and keep what was fetched for the next visit
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ??
          fetch(req).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.put(req, copy)));
            }
            return res;
          }),
      ),
    );
  }
});
