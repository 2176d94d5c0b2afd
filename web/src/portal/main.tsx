// Entry of the contact portal (web/portal.html, served for /portal/*). A separate page from the KDesk App:
// its own bundle, session cookie, layout and service worker; it shares only the theme and libraries.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@mantine/core/styles.css';
import './portal.css';
import { PortalApp } from './portal-app.tsx';

// the team's own manifest (its name and start page), so an installed portal is named after the team
const teamSlug = /^\/portal\/([^/?#]+)/.exec(location.pathname)?.[1];
const manifestLink = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
if (teamSlug && manifestLink) manifestLink.href = `/portal/api/${teamSlug}/manifest.webmanifest`;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PortalApp />
  </StrictMode>,
);

// Installable web app: the worker caches the app shell only (never API answers), see web/public/portal/sw.js.
if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/portal/sw.js', { scope: '/portal/' }).catch(() => {
      /* the portal works without it; it only stops being installable/offline-ready */
    });
  });
}
