// The contact portal: one-time code sign-in, contact sessions, contact links and invitations.
//
// Enumeration: "send me a code" (startLogin) does the same work for every email — validate the
// format, check the rate limits, insert one login request row, count the try — and answers the same.
// Whether the email belongs to an eligible contact is decided later by a periodic task
// (processLoginRequests) that issues the code and writes the mail in one transaction.
import { randomBytes } from 'node:crypto';
import { AppError } from '#shared/errors.ts';
import { normalizeEmail } from '#shared/email.ts';
import type { PortalNotificationsPatch, PortalProfile, PortalTeamInfo, PortalInviteResult } from '#shared/portal.schema.ts';
import type { TeamSettings } from '#shared/settings.schema.ts';
import { requirePermission, type Actor } from '../auth/actor.ts';
import { createRateLimiter, type Limit } from '../auth/rate-limit.ts';
import { hashSecret } from '../auth/secrets.ts';
import { canCloseTickets, canPostComments, canSignInToPortal, portalSignInRefusal } from '../contacts/contact-policy.rules.ts';
import { rowToFields } from '../contacts/contacts.presenter.ts';
import { auditByContact, createAuditWriter, createContactWriter } from '../contacts/contacts.writer.ts';
import type { Db, Executor } from '../db/client.ts';
import { isUuid, uuidv7 } from '../db/ids.ts';
import type { ContactRow } from '../db/schema.ts';
import { renderCodeMail, renderInvitationMail } from '../mail/mail.rules.ts';
import type { MailService } from '../mail/mail.service.ts';
import { readSettings } from '../teams/teams.rules.ts';
import type { Keyring } from './keyring.ts';
import { createPortalRepo } from './portal.repo.ts';
import {
  CODE_MAX_WRONG_TRIES,
  CODE_TTL_MINUTES,
  contactPortalUrl,
  extendIdle,
  generateCode,
  IDLE_TOUCH_MS,
  newSessionExpiry,
  PORTAL_LIMITS,
  teamPortalUrl,
  trustedMailBase,
  type SessionTimes,
} from './portal.rules.ts';

export interface PortalConfig {
  publicUrl: string | null;
  /** Used for links in mail written outside a request (jobs) when KDESK_PUBLIC_URL is not set. */
  fallbackBaseUrl: string;
  portalIdleMinutes: number;
  portalSessionHours: number;
}

/** A signed-in contact, as the routes see it. */
export interface PortalSession {
  tokenHash: string;
  contact: ContactRow;
  team: { id: string; name: string; slug: string; settings: TeamSettings };
  idleExpiresAt: Date;
  expiresAt: Date;
}

const INVALID_CODE = () =>
  new AppError(
    'INVALID_CODE',
    'That code is not valid. It may be mistyped, used already, expired, or tried too often. Ask for a new code.',
  );

/** Still allowed in: not deleted, active, portal access, team portal on, and a primary email. */
function eligible(settings: TeamSettings, c: ContactRow): boolean {
  // contacts in the trash never sign in
  if (c.deletedAt) return false;
  return canSignInToPortal(settings, rowToFields(c));
}

export function createPortalService(deps: {
  db: Db;
  mail: MailService;
  keyring: Keyring;
  config: PortalConfig;
  now: () => Date;
  /** Wakes the `portal.issue-codes` job once a request is written (the job engine). */
  wake?: (kind: 'portal.issue-codes') => Promise<void>;
}) {
  const { db, mail, keyring, config, now } = deps;
  const repo = createPortalRepo(db);
  // the contact's own changes (verification, preferences) and the history of links and invitations
  const writer = createContactWriter(db);
  const audit = createAuditWriter(db);
  const limiter = createRateLimiter(db);
  const times: SessionTimes = { idleMinutes: config.portalIdleMinutes, absoluteHours: config.portalSessionHours };

  async function team(slug: string) {
    const t = await repo.teamBySlug(slug);
    if (!t) throw new AppError('NOT_FOUND', 'No portal at this address');
    return { id: t.id, name: t.name, slug: t.slug, settings: readSettings(t.settings) };
  }

  const codeHash = (requestId: string, code: string) => keyring.hmac('portal-codes', `${requestId}:${code}`);
  const base = (requestOrigin?: string) => (config.publicUrl ?? requestOrigin ?? config.fallbackBaseUrl).replace(/\/$/, '');

  function profile(s: PortalSession): PortalProfile {
    const c = s.contact;
    const fields = rowToFields(c);
    return {
      id: c.id,
      firstName: c.firstName,
      lastName: c.lastName,
      primaryEmail: c.primaryEmail ?? '',
      company: c.company,
      notifications: fields.notifications,
      teamNotifications: s.team.settings.notifications,
      can: { postComments: canPostComments(s.team.settings, fields), closeTickets: canCloseTickets(s.team.settings, fields) },
      portalVerifiedAt: c.portalVerifiedAt?.toISOString() ?? null,
      team: { name: s.team.name, slug: s.team.slug },
      session: { idleExpiresAt: s.idleExpiresAt.toISOString(), expiresAt: s.expiresAt.toISOString() },
    };
  }

  /** Creates a session for a contact that just proved who they are; verifies them on the first sign-in. */
  async function createSession(
    t: { id: string; name: string; slug: string; settings: TeamSettings },
    contactId: string,
    method: string,
    replacing: string | null,
    requestId: string | null,
    /** For a code: the address it was mailed to, which must still be the contact's primary email. */
    codeSentTo?: string | null,
  ): Promise<{ token: string; session: PortalSession } | null> {
    return db.transaction().execute(async (tx) => {
      const contact = await repo.lockContact(t.id, contactId, tx);
      // re-read in this transaction: a contact deactivated since the code was sent does not get in
      const fresh = await repo.teamById(t.id, tx);
      const settings = readSettings(fresh?.settings);
      if (!contact || !eligible(settings, contact)) return null;
      // a code mailed to an address the contact no longer has proves nothing
      if (codeSentTo !== undefined && (codeSentTo === null || contact.primaryEmail !== codeSentTo)) return null;
      const at = now();
      if (replacing) await repo.deleteSession(hashSecret(replacing), tx);
      const token = `kdp_${randomBytes(32).toString('base64url')}`;
      const { idleExpiresAt, expiresAt } = newSessionExpiry(at, times);
      await repo.insertSession(
        { tokenHash: hashSecret(token), teamId: t.id, contactId, method, createdAt: at, idleExpiresAt, expiresAt },
        tx,
      );
      let row = contact;
      if (!contact.portalVerifiedAt) {
        const v = await writer.markVerified(tx, auditByContact(t.id, contact, requestId), contactId, at);
        if (v) row = { ...contact, portalVerifiedAt: at, version: v.version };
      }
      return { token, session: { tokenHash: hashSecret(token), contact: row, team: { ...t, settings }, idleExpiresAt, expiresAt } };
    });
  }

  const service = {
    times,

    async teamInfo(slug: string): Promise<PortalTeamInfo> {
      const t = await team(slug);
      const configured = new Set((await repo.ssoConfigs(t.id)).map((c) => c.provider));
      const offer = (p: 'google' | 'microsoft') => t.settings.portalEnabled && t.settings.contactSso[p] && configured.has(p);
      return {
        team: { name: t.name, slug: t.slug },
        portalEnabled: t.settings.portalEnabled,
        sso: { google: offer('google'), microsoft: offer('microsoft') },
        codeLength: 7,
        visitorRequests: t.settings.portalEnabled && t.settings.portalTicketCreation === 'anyone',
      };
    },

    /** "Send me a code". No branch here depends on whether the email belongs to anyone. */
    async startLogin(slug: string, input: { email: string } | { linkToken: string }, ip: string, origin?: string) {
      const t = await team(slug);
      if (!t.settings.portalEnabled) throw new AppError('PORTAL_DISABLED', 'The support portal of this team is switched off');
      let email: string | null = null;
      let linkTokenHash: string | null = null;
      if ('email' in input) {
        const n = normalizeEmail(input.email);
        if (!n.ok) throw new AppError('VALIDATION', 'Invalid email address', [{ path: 'email', message: n.message }]);
        email = n.email;
      } else {
        linkTokenHash = hashSecret(input.linkToken);
      }
      const limits: Limit[] = [
        {
          key: email ? `portal:start:email:${t.id}:${email}` : `portal:start:link:${linkTokenHash}`,
          max: PORTAL_LIMITS.startPerEmail,
          windowSeconds: PORTAL_LIMITS.windowSeconds,
        },
        { key: `portal:start:ip:${ip}`, max: PORTAL_LIMITS.startPerIp, windowSeconds: PORTAL_LIMITS.windowSeconds },
      ];
      // counted before the row is inserted, so a burst of starts queues no more codes than the limit
      await limiter.take(limits, 'Too many sign-in codes asked for. Wait a few minutes and try again.');
      const at = now();
      const id = uuidv7();
      await repo.insertLoginRequest({
        id,
        teamId: t.id,
        email,
        linkTokenHash,
        ip,
        origin: origin ?? null,
        expiresAt: new Date(at.getTime() + CODE_TTL_MINUTES * 60_000),
        createdAt: at,
      });
      // the same for every email: whether it belongs to anybody is decided by that job
      await deps.wake?.('portal.issue-codes');
      return { requestId: id, expiresInSeconds: CODE_TTL_MINUTES * 60 };
    },

    /**
     * The periodic task: resolves each pending request to a contact; for an eligible one it issues a
     * code (stored as an HMAC bound to the request) and writes the mail in the same transaction.
     */
    async processLoginRequests(opts: { limit?: number } = {}) {
      const out = { issued: 0, dropped: 0 };
      await db.transaction().execute(async (tx) => {
        const pending = await repo.claimPendingRequests(opts.limit ?? 100, tx);
        const teams = new Map<
          string,
          {
            id: string;
            name: string;
            slug: string;
            settings: TeamSettings;
            memberOrigin: string | null;
            supportEmail: string | null;
          } | null
        >();
        const issuing: { r: (typeof pending)[number]; t: NonNullable<ReturnType<typeof teams.get>>; contact: ContactRow }[] = [];
        for (const r of pending) {
          if (!teams.has(r.teamId)) {
            const t = await repo.teamById(r.teamId, tx);
            teams.set(
              r.teamId,
              t
                ? {
                    id: t.id,
                    name: t.name,
                    slug: t.slug,
                    settings: readSettings(t.settings),
                    memberOrigin: t.memberOrigin,
                    supportEmail: t.supportEmail,
                  }
                : null,
            );
          }
          const t = teams.get(r.teamId);
          const contact = !t
            ? undefined
            : r.email
              ? await repo.contactByEmail(r.teamId, r.email, tx)
              : r.linkTokenHash
                ? await repo.contactByLinkToken(r.teamId, r.linkTokenHash, tx)
                : undefined;
          if (!t || !contact || !contact.primaryEmail || !eligible(t.settings, contact) || r.expiresAt <= now()) {
            await repo.markRequest(r.id, { status: 'dropped', contactId: contact?.id ?? null }, tx);
            out.dropped++;
            continue;
          }
          issuing.push({ r, t, contact });
        }
        // Whatever was queued, one contact gets no more codes per window than one email may ask for
        // (both entries together). Counted in this transaction, in contact order so that two workers
        // lock the counters in the same order.
        const issueLimiter = createRateLimiter(tx);
        issuing.sort((a, b) => (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0));
        for (const { r, t, contact } of issuing) {
          const allowed = await issueLimiter.attempt([
            { key: `portal:issue:contact:${contact.id}`, max: PORTAL_LIMITS.startPerEmail, windowSeconds: PORTAL_LIMITS.windowSeconds },
          ]);
          if (!allowed.ok) {
            await repo.markRequest(r.id, { status: 'dropped', contactId: contact.id }, tx);
            out.dropped++;
            continue;
          }
          const to = contact.primaryEmail!;
          const linkBase = trustedMailBase({ publicUrl: config.publicUrl, memberOrigin: t.memberOrigin, requestOrigin: r.origin });
          const code = generateCode();
          await repo.markRequest(r.id, { status: 'issued', contactId: contact.id, codeHash: codeHash(r.id, code), sentTo: to }, tx);
          const m = renderCodeMail({
            teamName: t.name,
            code,
            minutes: CODE_TTL_MINUTES,
            portalUrl: linkBase && teamPortalUrl(linkBase, t.slug),
            supportEmail: t.supportEmail,
          });
          await mail.enqueue({ teamId: t.id, kind: 'portal.code', to, ...m, sensitive: true, discardAfter: r.expiresAt }, tx);
          out.issued++;
        }
      });
      if (Math.random() < 0.05) {
        const day = new Date(now().getTime() - 24 * 3600_000);
        await repo.purgeOldRequests(day);
        await repo.purgeExpiredSessions(now());
        await repo.purgeSsoStates(day);
      }
      return out;
    },

    /** Checks a code; on success a new session (the one in `replacing` ends: rotation at sign-in). */
    async verifyLogin(slug: string, input: { requestId: string; code: string }, ip: string, replacing: string | null, requestId?: string) {
      const t = await team(slug);
      if (!t.settings.portalEnabled) throw new AppError('PORTAL_DISABLED', 'The support portal of this team is switched off');
      const reqRow = isUuid(input.requestId) ? await repo.requestForVerify(t.id, input.requestId) : undefined;
      const who = reqRow?.email ?? (reqRow?.linkTokenHash ? `link:${reqRow.linkTokenHash}` : `request:${input.requestId}`);
      const limits: Limit[] = [
        { key: `portal:verify:email:${t.id}:${who}`, max: PORTAL_LIMITS.verifyPerEmail, windowSeconds: PORTAL_LIMITS.windowSeconds },
        { key: `portal:verify:ip:${ip}`, max: PORTAL_LIMITS.verifyPerIp, windowSeconds: PORTAL_LIMITS.windowSeconds },
      ];
      // counted before the code is compared; a right code gives its try back (only wrong codes count)
      const taken = await limiter.take(limits, 'Too many wrong codes. Wait a few minutes, then ask for a new code.');
      const code = input.code.toUpperCase().replace(/[\s-]+/g, '');
      const tried = reqRow
        ? await repo.tryCode({
            teamId: t.id,
            id: reqRow.id,
            codeHash: codeHash(reqRow.id, code),
            now: now(),
            maxTries: CODE_MAX_WRONG_TRIES,
          })
        : undefined;
      if (!tried?.ok || !tried.contactId) throw INVALID_CODE();
      await limiter.refund(taken);
      const created = await createSession(t, tried.contactId, 'code', replacing, requestId ?? null, tried.sentTo);
      if (!created) throw INVALID_CODE();
      return { token: created.token, expiresAt: created.session.expiresAt, profile: profile(created.session) };
    },

    /** The signed-in contact of this team for a cookie, or null. Extends the idle deadline. */
    async session(token: string | undefined, slug: string): Promise<PortalSession | null> {
      if (!token) return null;
      const at = now();
      const row = await repo.session(hashSecret(token), at);
      if (!row || row.teamSlug !== slug) return null;
      const settings = readSettings(row.teamSettings);
      const { sessionTokenHash, sessionIdleExpiresAt, sessionExpiresAt, teamSlug, teamName, teamSettings: _, ...contact } = row;
      if (!eligible(settings, contact as ContactRow)) {
        // deactivated, deleted, lost portal access, or the portal was switched off: the session ends
        await repo.deleteSession(sessionTokenHash);
        return null;
      }
      let idleExpiresAt = sessionIdleExpiresAt;
      const extended = extendIdle(at, sessionExpiresAt, times);
      if (extended.getTime() - idleExpiresAt.getTime() >= IDLE_TOUCH_MS) {
        await repo.touchSession(sessionTokenHash, extended);
        idleExpiresAt = extended;
      }
      return {
        tokenHash: sessionTokenHash,
        contact: contact as ContactRow,
        team: { id: contact.teamId, name: teamName, slug: teamSlug, settings },
        idleExpiresAt,
        expiresAt: sessionExpiresAt,
      };
    },

    profile,

    /** The contact's own email preferences, recorded in the history as a change by the contact. */
    async updateNotifications(s: PortalSession, patch: PortalNotificationsPatch, requestId: string | null): Promise<PortalProfile> {
      return db.transaction().execute(async (tx) => {
        const current = await repo.lockContact(s.team.id, s.contact.id, tx);
        if (!current || !eligible(s.team.settings, current)) throw new AppError('UNAUTHENTICATED', 'Sign in again');
        const after = { ...rowToFields(current).notifications, ...patch };
        const row = await writer.setNotifications(tx, auditByContact(s.team.id, current, requestId), current, after);
        return profile({ ...s, contact: row ?? current });
      });
    },

    async logout(token: string | undefined) {
      if (token) await repo.deleteSession(hashSecret(token));
    },

    /** The team switched its portal off. */
    endTeamSessions(teamId: string, tx?: Executor) {
      return repo.deleteSessionsOfTeam(teamId, tx);
    },

    // --- links and invitations (members) ---

    async teamLink(actor: Actor, requestOrigin?: string) {
      const t = await repo.teamById(actor.teamId);
      if (!t) throw new AppError('NOT_FOUND', 'Team not found');
      return { url: teamPortalUrl(base(requestOrigin), t.slug) };
    },

    /**
     * A new contact link (the previous one stops working), only for a contact who may sign in: with the
     * team portal off, or a contact who could not sign in, the answer is 409 with the reason.
     */
    async contactLink(actor: Actor, contactId: string, requestOrigin?: string) {
      requirePermission(actor, 'modifyContacts');
      const t = await repo.teamById(actor.teamId);
      const c = isUuid(contactId) ? await repo.contactById(actor.teamId, contactId) : undefined;
      if (!t || !c || c.deletedAt) throw new AppError('NOT_FOUND', 'Contact not found');
      const refusal = portalSignInRefusal(readSettings(t.settings), rowToFields(c));
      if (refusal) {
        throw new AppError('CONFLICT', `No portal link made: ${refusal.toLowerCase()}`, [{ path: 'contact', message: refusal }]);
      }
      const token = randomBytes(24).toString('base64url');
      await db.transaction().execute(async (tx) => {
        await repo.upsertLink({ contactId: c.id, teamId: t.id, tokenHash: hashSecret(token) }, tx);
        await audit.record({ actor, entityType: 'contact', entityId: c.id, action: 'portal.link', changes: {} }, tx);
      });
      return { url: contactPortalUrl(base(requestOrigin), t.slug, token) };
    },

    async revokeContactLink(actor: Actor, contactId: string) {
      requirePermission(actor, 'modifyContacts');
      const c = isUuid(contactId) ? await repo.contactById(actor.teamId, contactId) : undefined;
      if (!c) throw new AppError('NOT_FOUND', 'Contact not found');
      await repo.deleteLink(actor.teamId, c.id);
    },

    /**
     * "Send portal invitation" for many contacts (the bulk action of the directory calls this with its
     * transaction). Each eligible contact gets a new contact link by mail; the others are listed with a reason.
     */
    async inviteMany(actor: Actor, contactIds: string[], trx?: Executor, opts: { baseUrl?: string } = {}): Promise<PortalInviteResult> {
      requirePermission(actor, 'modifyContacts');
      const run = async (tx: Executor): Promise<PortalInviteResult> => {
        const t = await repo.teamById(actor.teamId, tx);
        if (!t) throw new AppError('NOT_FOUND', 'Team not found');
        const settings = readSettings(t.settings);
        const skipped: PortalInviteResult['skipped'] = [];
        let invited = 0;
        const ids = [...new Set(contactIds)];
        const valid = ids.filter(isUuid);
        for (const id of ids) if (!isUuid(id)) skipped.push({ id, reason: 'Contact not found' });
        const rows = valid.length ? await repo.contactsByIds(t.id, valid, tx) : [];
        const byId = new Map(rows.map((r) => [r.id, r]));
        const mails = [];
        const audits = [];
        const at = base(opts.baseUrl);
        for (const id of valid) {
          const c = byId.get(id);
          const reason = !c || c.deletedAt ? 'Contact not found' : portalSignInRefusal(settings, rowToFields(c));
          if (reason || !c) {
            skipped.push({ id, reason: reason ?? 'Contact not found' });
            continue;
          }
          const token = randomBytes(24).toString('base64url');
          await repo.upsertLink({ contactId: c.id, teamId: t.id, tokenHash: hashSecret(token) }, tx);
          const name = [c.firstName, c.lastName].filter(Boolean).join(' ') || null;
          const m = renderInvitationMail({
            teamName: t.name,
            contactName: name,
            url: contactPortalUrl(at, t.slug, token),
            supportEmail: t.supportEmail,
          });
          mails.push({ teamId: t.id, kind: 'portal.invitation', to: c.primaryEmail!, ...m });
          audits.push(c);
          invited++;
        }
        await mail.enqueueMany(mails, tx);
        await audit.recordMany(
          actor,
          'contact',
          'portal.invite',
          audits.map((c) => ({ id: c.id, changes: {} })),
          tx,
        );
        return { invited, skipped };
      };
      return trx ? run(trx) : db.transaction().execute(run);
    },

    async invite(actor: Actor, contactId: string, requestOrigin?: string): Promise<PortalInviteResult> {
      requirePermission(actor, 'modifyContacts');
      const c = isUuid(contactId) ? await repo.contactById(actor.teamId, contactId) : undefined;
      if (!c || c.deletedAt) throw new AppError('NOT_FOUND', 'Contact not found');
      const r = await service.inviteMany(actor, [contactId], undefined, { baseUrl: requestOrigin });
      if (r.skipped.length) {
        throw new AppError('CONFLICT', `No invitation sent: ${r.skipped[0]!.reason.toLowerCase()}`, [
          { path: 'contact', message: r.skipped[0]!.reason },
        ]);
      }
      return r;
    },

    createSession,
    team,
    base,
  };
  return service;
}

export type PortalService = ReturnType<typeof createPortalService>;
