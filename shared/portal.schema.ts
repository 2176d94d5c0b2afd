// The contact portal's public API (/portal/api/<teamSlug>/...), the mailbox and the team SSO settings.
// One schema per shape: the server validates and documents with them, the web app types its calls.
import { z } from 'zod';

export const PORTAL_CODE_LENGTH = 7;
/** No 0/O, 1/I/L (easily confused) and no U (fewer accidental words): 30 symbols, 30^7 ≈ 2.2e10 codes. */
export const PORTAL_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export const ssoProviders = ['google', 'microsoft'] as const;
export const ssoProvider = z.enum(ssoProviders);
export type SsoProvider = z.infer<typeof ssoProvider>;

/** GET /portal/api/<teamSlug> — public, no sign-in. */
export const portalTeamInfo = z.object({
  team: z.object({ name: z.string(), slug: z.string() }),
  portalEnabled: z.boolean(),
  /** Which sign-in buttons to show (team setting on, provider configured, portal enabled). */
  sso: z.object({ google: z.boolean(), microsoft: z.boolean() }),
  codeLength: z.number(),
  /** portalTicketCreation "anyone": visitors may submit a request with their name and email. */
  visitorRequests: z.boolean(),
});
export type PortalTeamInfo = z.infer<typeof portalTeamInfo>;

/** POST /portal/api/<teamSlug>/login/start — exactly one of email / linkToken. */
export const portalLoginStart = z.union([
  z.object({ email: z.string().max(320) }).strict(),
  z.object({ linkToken: z.string().min(1).max(200) }).strict(),
]);
export type PortalLoginStart = z.infer<typeof portalLoginStart>;
export const portalLoginStarted = z.object({ requestId: z.string(), expiresInSeconds: z.number() });

/** POST /portal/api/<teamSlug>/login/verify */
export const portalLoginVerify = z.object({ requestId: z.string().max(100), code: z.string().max(40) }).strict();

const notificationsShape = {
  newTickets: z.boolean(),
  ticketUpdates: z.boolean(),
  newComments: z.boolean(),
  formAssignments: z.boolean(),
};
export const portalNotifications = z.object(notificationsShape);
export const portalNotificationsPatch = z.object(notificationsShape).partial().strict();
export type PortalNotificationsPatch = z.infer<typeof portalNotificationsPatch>;

/** GET /portal/api/<teamSlug>/me, and the answer of login/verify and PATCH me/notifications. */
export const portalProfile = z.object({
  id: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  primaryEmail: z.string(),
  company: z.string().nullable(),
  /** The contact's own email preferences. */
  notifications: portalNotifications,
  /** Which notifications the team sends at all (a mail goes out only when both allow it). */
  teamNotifications: portalNotifications,
  /** Effective capabilities (team setting AND the contact's permission). */
  can: z.object({ postComments: z.boolean(), closeTickets: z.boolean() }),
  portalVerifiedAt: z.string().nullable(),
  team: z.object({ name: z.string(), slug: z.string() }),
  session: z.object({ idleExpiresAt: z.string(), expiresAt: z.string() }),
});
export type PortalProfile = z.infer<typeof portalProfile>;

/** GET /api/v1/mailbox/messages — owners/admins; the team's outgoing mail, newest first. */
export const mailboxMessage = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  kind: z.string(),
  /** kept = held in the built-in mailbox (no SMTP_URL); pending/sent/failed = SMTP delivery state. */
  status: z.enum(['pending', 'sent', 'failed', 'kept']),
  attempts: z.number(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
});
export type MailboxMessage = z.infer<typeof mailboxMessage>;
export const mailboxPage = z.object({ items: z.array(mailboxMessage), nextCursor: z.string().nullable(), smtpConfigured: z.boolean() });
export type MailboxPage = z.infer<typeof mailboxPage>;
export const mailboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** GET /api/v1/portal-link, POST /api/v1/contacts/:id/portal-link */
export const portalLink = z.object({ url: z.string() });

/** POST /api/v1/contacts/:id/invite */
export const portalInviteResult = z.object({ invited: z.number(), skipped: z.array(z.object({ id: z.string(), reason: z.string() })) });
export type PortalInviteResult = z.infer<typeof portalInviteResult>;

/** Team SSO configuration (owners/admins): GET /api/v1/portal/sso, PUT|DELETE /api/v1/portal/sso/:provider */
export const ssoConfigInput = z
  .object({
    issuer: z.string().trim().url().max(500),
    clientId: z.string().trim().min(1).max(500),
    /** Write-only. Required when the provider is configured the first time; omit to keep the stored one. */
    clientSecret: z.string().min(1).max(2000).optional(),
    /**
     * Google only: the email domains a contact may sign in from (the verified email's domain and, when
     * Google sends it, the Workspace domain `hd`). Empty = any domain. Omit to keep the stored list.
     */
    allowedDomains: z.array(z.string().max(253)).max(100).optional(),
    /** Microsoft only: the Entra tenant ids (GUIDs, the `tid` claim) a contact may sign in from. Empty = any tenant. Omit to keep the stored list. */
    allowedTenants: z.array(z.string().max(100)).max(100).optional(),
  })
  .strict();
export type SsoConfigInput = z.infer<typeof ssoConfigInput>;
export const ssoConfigView = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.boolean(),
  /** Google: allowed email domains (punycode, lower case); always empty for Microsoft. Empty = any. */
  allowedDomains: z.array(z.string()),
  /** Microsoft: allowed tenant ids (lower case); always empty for Google. Empty = any. */
  allowedTenants: z.array(z.string()),
  updatedAt: z.string(),
});
export const ssoConfigs = z.object({
  google: ssoConfigView.nullable(),
  microsoft: ssoConfigView.nullable(),
  /** Register these as redirect URIs at the identity provider. */
  redirectUris: z.object({ google: z.string(), microsoft: z.string() }),
});
export type SsoConfigs = z.infer<typeof ssoConfigs>;
