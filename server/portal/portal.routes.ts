// HTTP routes of the contact portal. JSON shapes (zod schemas in shared/portal.schema.ts):
//
// Public portal API — <slug> is the team slug; the contact session is the cookie `kdesk_portal`
// (`__Host-kdesk_portal` over https), HttpOnly, SameSite=Lax, Path=/. Writes made with the cookie need
// a same-origin Origin (or Sec-Fetch-Site: same-origin) like the agent API, else 403 {code: "CSRF"}.
//
//   GET  /portal/api/<slug>                        200 { team: {name, slug}, portalEnabled, sso: {google, microsoft}, codeLength: 7 }
//                                                  404 unknown team
//   POST /portal/api/<slug>/login/start            body { email } | { linkToken }
//                                                  200 { requestId, expiresInSeconds: 600 } — the same for every email, known or not
//                                                  400 VALIDATION (not an email address), 403 PORTAL_DISABLED, 429 RATE_LIMITED (Retry-After)
//   POST /portal/api/<slug>/login/verify           body { requestId, code } (code case-insensitive; spaces and dashes ignored)
//                                                  200 PortalProfile + Set-Cookie (a new session; an older portal cookie is replaced)
//                                                  401 INVALID_CODE (wrong, expired, used, or 5 wrong tries), 429 RATE_LIMITED
//   GET  /portal/api/<slug>/me                     200 PortalProfile, 401 UNAUTHENTICATED (no/expired session, or not this team's)
//   PATCH /portal/api/<slug>/me/notifications      body { newTickets?, ticketUpdates?, newComments?, formAssignments? } -> 200 PortalProfile
//   POST /portal/api/<slug>/logout                 204 (clears the cookie; always succeeds)
//   GET  /portal/api/<slug>/sso/<google|microsoft>/start      302 to the identity provider (404 when not offered)
//   GET  /portal/api/<slug>/sso/<google|microsoft>/callback   302 to /portal/<slug> signed in, or to /portal/<slug>?error=<reason>
//        reason: sso_failed | sso_email_unverified | sso_no_access | sso_unavailable
//
//   PortalProfile = { id, firstName, lastName, primaryEmail, company,
//                     notifications: {newTickets, ticketUpdates, newComments, formAssignments},   // the contact's preferences
//                     teamNotifications: {same keys},                                            // what the team sends at all
//                     can: {postComments, closeTickets}, portalVerifiedAt, team: {name, slug},
//                     session: {idleExpiresAt, expiresAt} }
//
// Agent API (members; bearer token or member session cookie):
//   GET    /api/v1/mailbox/messages?limit=&cursor=  owners/admins; the team's outgoing mail, newest first
//          200 { items: [{ id, to, subject, text, html, kind, status: pending|sent|failed|kept, attempts, lastError, sentAt, createdAt }],
//                nextCursor, smtpConfigured }
//   GET    /api/v1/portal-link                      200 { url }  (team link /portal/<slug>)
//   POST   /api/v1/contacts/:id/portal-link         200 { url }  (contact link /portal/<slug>/c/<token>; a new token each time; modifyContacts)
//   DELETE /api/v1/contacts/:id/portal-link         204 (the contact link stops working)
//   POST   /api/v1/contacts/:id/invite              202 { invited: 1|0, skipped: [{id, reason}] } — emails a new contact link (modifyContacts)
//   GET    /api/v1/portal/sso                       owners/admins: { google: SsoConfig|null, microsoft: SsoConfig|null, redirectUris: {google, microsoft} }
//   PUT    /api/v1/portal/sso/<provider>            body { issuer, clientId, clientSecret? } -> 200 SsoConfig (secret write-only, encrypted at rest)
//   DELETE /api/v1/portal/sso/<provider>            204
//   SsoConfig = { issuer, clientId, clientSecretSet: true, updatedAt }
