// buildApp(deps) assembles the HTTP application; it never listens (main.ts does, tests use inject()).
import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { defaultImportConfig, type Config } from './config.ts';
import { ping, type Db } from './db/client.ts';
import { installErrorHandling } from './http/errors.ts';
import { installStorableTextGuard } from './http/storable-text.ts';
import { installJsonDepthLimit } from './http/json-depth.ts';
import { registerAuth, type AuthOptions } from './http/auth.ts';
import { openapiTransform } from './http/openapi.ts';
import { createAuthService } from './auth/auth.service.ts';
import { createPasswordResetService } from './auth/password-reset.service.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { createTeamsService } from './teams/teams.service.ts';
import { settingsRoutes } from './teams/settings.routes.ts';
import { teamRoutes } from './teams/team.routes.ts';
import { createAuditService } from './audit/audit.service.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { createMembersService } from './members/members.service.ts';
import { membersRoutes } from './members/members.routes.ts';
import { createContactsService } from './contacts/contacts.service.ts';
import { contactsRoutes } from './contacts/contacts.routes.ts';
import { createKeyring } from './portal/keyring.ts';
import { createMailService } from './mail/mail.service.ts';
import { mailRoutes } from './mail/mail.routes.ts';
import { renderExportReadyMail } from './mail/mail.rules.ts';
import { createPortalService } from './portal/portal.service.ts';
import { createSsoService } from './portal/sso.service.ts';
import { portalRoutes } from './portal/portal.routes.ts';
import { registerBulkInvite } from './portal/portal.bulk.ts';
import { createJobsService } from './jobs/jobs.service.ts';
import { jobsRoutes } from './jobs/jobs.routes.ts';
import { createImportsService } from './imports/imports.service.ts';
import { importsRoutes } from './imports/imports.routes.ts';
import { createExportsService } from './exports/exports.service.ts';
import { createMembersRepo } from './members/members.repo.ts';
import { createJobsRepo } from './jobs/jobs.repo.ts';
import { createFilesRepo } from './imports/files.repo.ts';
import { exportsRoutes } from './exports/exports.routes.ts';
import { createTicketsService } from './tickets/tickets.service.ts';
import { ticketsRoutes } from './tickets/tickets.routes.ts';
import { createCompaniesService } from './companies/companies.service.ts';
import { companiesRoutes } from './companies/companies.routes.ts';
import { createMergeService } from './contacts/merge.service.ts';
import { mergeRoutes } from './contacts/merge.routes.ts';
import { createFormsService } from './forms/forms.service.ts';
import { formsRoutes } from './forms/forms.routes.ts';
import { createConnectionsService } from './sync/connections.service.ts';
import { connectionsRoutes } from './sync/connections.routes.ts';
import { createSyncRunService } from './sync/sync-run.service.ts';
import { syncRunsRoutes } from './sync/sync-run.routes.ts';
import { createScimService } from './scim/scim.service.ts';
import { scimRoutes } from './scim/scim.routes.ts';

export interface AppDeps {
  db: Db;
  config: Pick<Config, 'publicUrl' | 'secureCookies' | 'sessionTtlHours' | 'trustProxy' | 'webDir' | 'logLevel'> & ServicesConfig;
  logger?: boolean | object;
  /** Services built by the caller (tests share them with the app); built from config otherwise. */
  services?: Services;
}

type MailAndPortalConfig = Pick<
  Config,
  | 'smtpUrl'
  | 'mailFrom'
  | 'mailMaxAttempts'
  | 'secretKey'
  | 'dataDir'
  | 'publicUrl'
  | 'port'
  | 'portalIdleMinutes'
  | 'portalSessionHours'
  | 'allowPrivateIssuers'
  | 'allowPrivateDirectoryUrls'
>;
export type ServicesConfig = Pick<Config, 'sessionTtlHours'> &
  Partial<MailAndPortalConfig> &
  Partial<Pick<Config, 'imports'>> & {
    /** The clock of time-limited rules (codes, contact sessions, mail retries); tests move it. */
    now?: () => Date;
  };

export function createServices(db: Db, config: ServicesConfig) {
  const now = config.now ?? (() => new Date());
  const keyring = createKeyring({ secretKey: config.secretKey ?? null, dataDir: config.dataDir ?? '.data' });
  const jobs = createJobsService({ db });
  const mail = createMailService({
    db,
    now,
    wake: jobs.wake,
    wakeStatement: jobs.wakeStatement,
    config: {
      smtpUrl: config.smtpUrl ?? null,
      mailFrom: config.mailFrom ?? 'kdesk <no-reply@localhost>',
      mailMaxAttempts: config.mailMaxAttempts ?? 8,
    },
  });
  const portal = createPortalService({
    db,
    mail,
    keyring,
    now,
    wake: (kind) => jobs.wake(kind),
    config: {
      publicUrl: config.publicUrl ?? null,
      fallbackBaseUrl: `http://localhost:${config.port ?? 3000}`,
      portalIdleMinutes: config.portalIdleMinutes ?? 30,
      portalSessionHours: config.portalSessionHours ?? 12,
    },
  });
  const sso = createSsoService({ db, keyring, portal, now, allowPrivateIssuers: config.allowPrivateIssuers ?? false });
  // repos one feature's service uses of another feature (a feature never imports another one's repo)
  const membersRepo = createMembersRepo(db);
  const jobsRepo = createJobsRepo(db);
  const teams = createTeamsService({
    db,
    members: membersRepo,
    onPortalDisabled: portal.endTeamSessions,
    ssoConfigured: sso.configuredProviders,
  });
  const auth = createAuthService({ db, members: membersRepo, sessionTtlHours: config.sessionTtlHours });
  const members = createMembersService({
    db,
    auth,
    jobs: jobsRepo,
    mail,
    now,
    links: { publicUrl: config.publicUrl ?? null, fallbackBaseUrl: `http://localhost:${config.port ?? 3000}` },
  });
  const passwordResets = createPasswordResetService({
    db,
    mail,
    auth,
    members: membersRepo,
    publicUrl: config.publicUrl ?? null,
    now,
    wake: (kind) => jobs.wake(kind),
  });
  const contacts = createContactsService({ db, teams, jobs });
  registerBulkInvite(contacts, portal, jobs);
  const importConfig = config.imports ?? defaultImportConfig;
  const imports = createImportsService({ db, teams, jobs, config: importConfig });
  const exports = createExportsService({
    db,
    config: importConfig,
    contacts,
    jobs,
    jobsRepo,
    files: createFilesRepo(db),
    notifyReady: async (n, tx) => {
      const to = await members.recipient(n.teamId, n.memberId, tx);
      if (!to) return;
      const base = (config.publicUrl ?? n.baseUrl ?? `http://localhost:${config.port ?? 3000}`).replace(/\/$/, '');
      const m = renderExportReadyMail({
        teamName: to.teamName,
        name: to.memberName,
        fileName: n.fileName,
        rows: n.rows,
        url: `${base}/api/v1/exports/${n.jobId}/download`,
        hours: n.expiresInHours,
        supportEmail: to.supportEmail,
      });
      await mail.enqueue({ teamId: n.teamId, kind: 'export.ready', to: to.email, ...m }, tx);
    },
  });
  contacts.extendBulk('export', (actor, input) => exports.bulkExport(actor, input));
  const tickets = createTicketsService({ db, teams, mail, contacts, now, publicUrl: config.publicUrl ?? null });
  const audit = createAuditService({ db });
  const companies = createCompaniesService({ db, jobs, now });
  const merges = createMergeService({ db, teams, jobs, contacts, now });
  contacts.setMergedIdsOf(merges.mergedIdsOf);
  const forms = createFormsService({ db, teams, mail, jobs, contacts, publicUrl: config.publicUrl ?? null, now });
  const scim = createScimService({ db });
  const connections = createConnectionsService({
    db,
    keyring,
    jobs,
    now,
    scimTokens: scim,
    allowPrivateDirectoryUrls: config.allowPrivateDirectoryUrls ?? false,
  });
  const syncRuns = createSyncRunService({ db, jobs, teams, connections, now });
  // a field a connection writes is not edited by hand
  contacts.setSyncedFields(syncRuns.syncedFieldsOf);
  return {
    teams,
    auth,
    passwordResets,
    members,
    audit,
    jobs,
    contacts,
    keyring,
    mail,
    portal,
    sso,
    imports,
    exports,
    importConfig,
    tickets,
    companies,
    merges,
    forms,
    connections,
    syncRuns,
    scim,
  };
}
export type Services = ReturnType<typeof createServices>;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { db, config } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    // one line per request only when asked for (LOG_LEVEL=debug); errors are always logged
    logController: new Fastify.LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.logLevel) }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by presenters from typed rows; the zod response schemas document them (OpenAPI)
  // and the type checker keeps them honest, so serialisation need not validate them again per request.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  installErrorHandling(app);
  installJsonDepthLimit(app);
  installStorableTextGuard(app);

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'kdesk API',
        version: '1',
        description: 'Help-desk contact directory. Errors: {statusCode, code, message, details?, requestId}.',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      },
      // the server that serves this document (paths start with /api or /portal/api)
      servers: [{ url: '/', description: 'this kdesk server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'kdesk_session' } },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: openapiTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  const services = deps.services ?? createServices(db, config);
  const authOptions: AuthOptions = {
    auth: services.auth,
    secureCookies: config.secureCookies,
    publicUrl: config.publicUrl,
    sessionTtlHours: config.sessionTtlHours,
  };
  registerAuth(app, authOptions);

  app.get('/api/health', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await ping(db);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  authRoutes(app, { ...services, options: authOptions });
  membersRoutes(app, services);
  settingsRoutes(app, services);
  teamRoutes(app, services);
  auditRoutes(app, services);
  contactsRoutes(app, services);
  mailRoutes(app, services);
  portalRoutes(app, { ...services, options: { secureCookies: config.secureCookies, publicUrl: config.publicUrl } });
  jobsRoutes(app, services);
  importsRoutes(app, services);
  exportsRoutes(app, services);
  ticketsRoutes(app, { ...services, options: { secureCookies: config.secureCookies, publicUrl: config.publicUrl } });
  companiesRoutes(app, services);
  mergeRoutes(app, services);
  formsRoutes(app, { ...services, options: { secureCookies: config.secureCookies, publicUrl: config.publicUrl } });
  connectionsRoutes(app, services);
  syncRunsRoutes(app, services);
  scimRoutes(app, { scim: services.scim, publicUrl: config.publicUrl });

  serveWeb(app, config.webDir);
  return app;
}

/** The built web app (web/dist) with client-side routing: unknown non-API GETs answer index.html. */
function serveWeb(app: FastifyInstance, webDir: string) {
  const root = path.resolve(webDir);
  if (!existsSync(path.join(root, 'index.html'))) return;
  // wildcard: false registers one route per built file; hashed assets are cached for a year
  app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    setHeaders: (res, file) => {
      res.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // the contact portal is its own page (web/portal.html): it never loads the agent app or shares its session
  const portalPage = existsSync(path.join(root, 'portal.html')) ? 'portal.html' : 'index.html';
  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    if (req.url.startsWith('/api/') || req.url === '/api' || req.url.startsWith('/portal/api/') || req.url.startsWith('/scim/')) {
      return reply.callNotFound();
    }
    const page = /^\/portal(?:[/?#]|$)/.test(req.url) ? portalPage : 'index.html';
    return reply.header('cache-control', 'no-cache').sendFile(page, root);
  });
}
