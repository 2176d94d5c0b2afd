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
  })
  .strict();
export type MemberPatch = z.infer<typeof memberPatch>;

export const meSchema = z.object({
  member: memberSchema,
  team: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  via: z.enum(['session', 'token']),
});
export type Me = z.infer<typeof meSchema>;
