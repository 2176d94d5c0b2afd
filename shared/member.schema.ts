import { z } from 'zod';
import { emailString } from './contact.schema.ts';
import { limits } from './limits.ts';

export const roleSchema = z.enum(['owner', 'admin', 'agent']);
export type Role = z.infer<typeof roleSchema>;

export const memberPermissionsSchema = z.object({
  modifyContacts: z.boolean(),
  importContacts: z.boolean(),
  exportContacts: z.boolean(),
});
export type MemberPermissions = z.infer<typeof memberPermissionsSchema>;

export const passwordString = z
  .string()
  .min(limits.passwordMin, `A password needs at least ${limits.passwordMin} characters`)
  .max(limits.passwordMax);

export const memberSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  /** What the member has been granted (owners always have everything). */
  permissions: memberPermissionsSchema,
  /** `deactivated`: cannot sign in; their sessions ended and tokens were revoked when it happened. */
  status: z.enum(['active', 'deactivated']),
  lastSignInAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Member = z.infer<typeof memberSchema>;

export const memberCreate = z
  .object({
    email: emailString,
    name: z.string().max(limits.nameMax).nullable().optional(),
    password: passwordString,
    role: roleSchema.default('agent'),
    permissions: memberPermissionsSchema.partial().optional(),
  })
  .strict();
export type MemberCreate = z.infer<typeof memberCreate>;

export const memberPatch = z
  .object({
    name: z.string().max(limits.nameMax).nullable().optional(),
    password: passwordString.optional(),
    role: roleSchema.optional(),
    permissions: memberPermissionsSchema.partial().optional(),
    /** false deactivates the member (sessions end, tokens are revoked, queued jobs are cancelled); true reactivates. */
    active: z.boolean().optional(),
  })
  .strict();
export type MemberPatch = z.infer<typeof memberPatch>;

export const meSchema = z.object({
  member: memberSchema,
  team: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  via: z.enum(['session', 'token']),
});
export type Me = z.infer<typeof meSchema>;

/** The acting member changes their own profile. */
export const selfPatch = z.object({ name: z.string().trim().max(limits.nameMax).nullable() }).strict();

export const invitationCreate = z
  .object({
    email: emailString,
    role: roleSchema.default('agent'),
    permissions: memberPermissionsSchema.partial().optional(),
  })
  .strict();
export type InvitationCreate = z.infer<typeof invitationCreate>;

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  permissions: memberPermissionsSchema,
  /** `expired` after 7 days: resend it to renew the link. */
  status: z.enum(['pending', 'expired']),
  invitedBy: z.string().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
});
export type Invitation = z.infer<typeof invitationSchema>;

/** What the invitation page shows before the invited person chooses a password. */
export const invitationPreview = z.object({ email: z.string(), teamName: z.string(), role: roleSchema, expiresAt: z.string() });
export type InvitationPreview = z.infer<typeof invitationPreview>;

export const invitationAccept = z
  .object({ name: z.string().trim().min(1, 'Enter your name').max(limits.nameMax), password: passwordString })
  .strict();
export type InvitationAccept = z.infer<typeof invitationAccept>;
