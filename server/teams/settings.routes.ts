import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { teamSettingsPatch, teamSettingsSchema } from '#shared/settings.schema.ts';
import { requireTeamManager } from '../auth/actor.ts';
import { actorOf } from '../http/auth.ts';
import { errors } from '../http/schemas.ts';
import type { TeamsService } from './teams.service.ts';

const tags = ['settings'];

export function settingsRoutes(app: FastifyInstance, deps: { teams: TeamsService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/settings',
    { schema: { tags, summary: 'Team settings (owners/admins)', response: { 200: teamSettingsSchema, ...errors(403) } } },
    async (req) => {
      const actor = actorOf(req);
      requireTeamManager(actor);
      return deps.teams.getSettings(actor.teamId);
    },
  );
  r.patch(
    '/api/v1/settings',
    {
      schema: {
        tags,
        summary: 'Change team settings (partial)',
        body: teamSettingsPatch,
        response: { 200: teamSettingsSchema, ...errors(400, 403) },
      },
    },
    async (req) => deps.teams.updateSettings(actorOf(req), req.body),
  );
}
