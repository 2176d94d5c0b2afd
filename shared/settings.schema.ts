import { z } from 'zod';

export const teamSettingsSchema = z.object({
  portalEnabled: z.boolean(),
  allowBulkContactImport: z.boolean(),
  allowPortalComments: z.boolean(),
  allowContactsCloseTickets: z.boolean(),
  contactSso: z.object({ google: z.boolean(), microsoft: z.boolean() }),
  requireSyncedContactForSso: z.boolean(),
  notifications: z.object({
    newTickets: z.boolean(),
    ticketUpdates: z.boolean(),
    newComments: z.boolean(),
    formAssignments: z.boolean(),
  }),
  portalTicketCreation: z.enum(['loggedIn', 'anyone']),
  /** ISO 3166-1 alpha-2 region used to read phone numbers typed without a country code. */
  defaultPhoneRegion: z.string().regex(/^[A-Z]{2}$/, 'Must be a two-letter country code such as US or DE'),
});
export type TeamSettings = z.infer<typeof teamSettingsSchema>;

export const teamSettingsPatch = z
  .object({
    ...teamSettingsSchema.shape,
    contactSso: teamSettingsSchema.shape.contactSso.partial(),
    notifications: teamSettingsSchema.shape.notifications.partial(),
  })
  .partial()
  .strict();
export type TeamSettingsPatch = z.infer<typeof teamSettingsPatch>;

export const defaultTeamSettings: TeamSettings = {
  portalEnabled: true,
  allowBulkContactImport: true,
  allowPortalComments: true,
  allowContactsCloseTickets: true,
  contactSso: { google: false, microsoft: false },
  requireSyncedContactForSso: false,
  notifications: { newTickets: true, ticketUpdates: true, newComments: true, formAssignments: true },
  portalTicketCreation: 'loggedIn',
  defaultPhoneRegion: 'US',
};
