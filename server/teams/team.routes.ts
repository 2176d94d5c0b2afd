import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { teamPatch, teamSchema } from '#shared/team.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors } from '../http/schemas.ts';
import type { TeamsService } from './teams.service.ts';

const tags = ['team'];
/** First path segments under /portal/ that are the portal's own files, never a team. */
const PORTAL_FILES = new Set(['api', 'assets', 'icons', 'sw.js', 'manifest.webmanifest', 'favicon.svg']);

export function teamRoutes(app: FastifyInstance, deps: { teams: TeamsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { teams } = deps;

  r.get(
    '/api/v1/team',
    { schema: { tags, summary: 'Team settings > General (owners/admins)', response: { 200: teamSchema, ...errors(403) } } },
    async (req) => teams.getGeneral(actorOf(req)),
  );
  r.patch(
    '/api/v1/team',
    {
      schema: {
        tags,
        summary: 'Rename the team, move its portal address (the old one redirects), set the support email and phone region (owners)',
        body: teamPatch,
        response: { 200: teamSchema, ...errors(400, 403, 409) },
      },
    },
    async (req) => teams.updateGeneral(actorOf(req), req.body),
  );

  // The portal as an installable app, named after the team (the portal page links here for its team).
  // A file for the browser (application/manifest+json), not part of the API: left out of the OpenAPI document.
  r.get(
    '/portal/api/:teamSlug/manifest.webmanifest',
    {
      schema: {
        hide: true,
        tags: ['portal'],
        summary: "The team portal's web app manifest",
        params: z.object({ teamSlug: z.string().max(100) }),
      },
    },
    async (req, reply) => {
      const t = await teams.getBySlug(req.params.teamSlug);
      if (!t) return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: 'No portal at this address', requestId: req.id });
      const scope = `/portal/${encodeURIComponent(t.slug)}/`;
      return reply
        .type('application/manifest+json')
        .header('cache-control', 'no-cache')
        .send(
          JSON.stringify({
            id: scope,
            name: `${t.name} support`,
            short_name: t.name.length > 12 ? t.name.slice(0, 12).trim() : t.name,
            description: `Follow your requests to ${t.name} and start new ones.`,
            start_url: `${scope}?source=pwa`,
            // the service worker's scope: one installed portal app serves whichever team page it opens
            scope: '/portal/',
            display: 'standalone',
            background_color: '#f8f9fa',
            theme_color: '#4c6ef5',
            lang: 'en',
            icons: [
              { src: '/portal/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
              { src: '/portal/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
              { src: '/portal/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
            ],
          }),
        );
    },
  );

  // A team that moved its portal address: the old one (pages and portal API, SSO callbacks included) redirects.
  app.addHook('onRequest', async (req, reply) => {
    const m = /^\/portal\/(?:api\/)?([^/?#]+)/.exec(req.url);
    if (!m || PORTAL_FILES.has(m[1]!)) return;
    let slug: string;
    try {
      slug = decodeURIComponent(m[1]!);
    } catch {
      return;
    }
    if (!/^[a-z0-9-]{2,40}$/.test(slug)) return;
    const current = await teams.redirectFor(slug);
    if (!current || current === slug) return;
    const target = req.url.replace(`/${m[1]}`, `/${encodeURIComponent(current)}`);
    // 308 keeps the method and body of API calls; pages get a permanent redirect too
    return reply.redirect(target, req.url.startsWith('/portal/api/') ? 308 : 301);
  });
}
