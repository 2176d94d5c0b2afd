import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { mailboxPage, mailboxQuery } from '#shared/portal.schema.ts';
import { actorOf } from '../http/auth.ts';
import { errors } from '../http/schemas.ts';
import type { MailService } from './mail.service.ts';

export function mailRoutes(app: FastifyInstance, deps: { mail: MailService }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/mailbox/messages',
    {
      schema: {
        tags: ['mail'],
        summary: "The team's outgoing mail, newest first (owners/admins). Without SMTP_URL this is where mail is kept.",
        querystring: mailboxQuery,
        response: { 200: mailboxPage, ...errors(400, 403) },
      },
    },
    async (req, reply) => {
      // bodies may hold sign-in codes: never cached by the browser or a proxy
      reply.header('cache-control', 'no-store');
      return deps.mail.mailbox(actorOf(req), req.query);
    },
  );
}
