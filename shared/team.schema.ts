import { z } from 'zod';
import { emailString } from './contact.schema.ts';
import { limits } from './limits.ts';

/** Portal addresses a slug cannot take: the portal's own paths. */
export const reservedSlugs = ['api', 'assets', 'icons', 'c', 'sw.js', 'manifest.webmanifest', 'static', 'new', 'admin'];

export const slugString = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/,
    'Use 2 to 40 lowercase letters, digits and hyphens, starting and ending with a letter or digit',
  )
  .refine((s) => !reservedSlugs.includes(s), 'This address is reserved');

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The portal address: /portal/<slug>. Old addresses redirect to it. */
  slug: z.string(),
  previousSlugs: z.array(z.string()),
  /** Shown in every mail of the team as the address to write to. */
  supportEmail: z.string().nullable(),
  defaultPhoneRegion: z.string(),
});
export type Team = z.infer<typeof teamSchema>;

export const teamPatch = z
  .object({
    name: z.string().trim().min(1, 'A team needs a name').max(limits.nameMax),
    slug: slugString,
    supportEmail: emailString.nullable(),
    defaultPhoneRegion: z.string().regex(/^[A-Z]{2}$/, 'Must be a two-letter country code such as US or DE'),
  })
  .partial()
  .strict();
export type TeamPatch = z.infer<typeof teamPatch>;
