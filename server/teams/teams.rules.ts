import { defaultTeamSettings, teamSettingsSchema, type TeamSettings, type TeamSettingsPatch } from '#shared/settings.schema.ts';

/** Stored settings merged over the defaults, so settings added later get their default. */
export function readSettings(stored: Record<string, unknown> | null | undefined): TeamSettings {
  const s = (stored ?? {}) as Partial<TeamSettings>;
  const merged = {
    ...defaultTeamSettings,
    ...s,
    contactSso: { ...defaultTeamSettings.contactSso, ...(s.contactSso ?? {}) },
    notifications: { ...defaultTeamSettings.notifications, ...(s.notifications ?? {}) },
  };
  const parsed = teamSettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : defaultTeamSettings;
}

export function applySettingsPatch(current: TeamSettings, patch: TeamSettingsPatch): TeamSettings {
  return {
    ...current,
    ...patch,
    contactSso: { ...current.contactSso, ...(patch.contactSso ?? {}) },
    notifications: { ...current.notifications, ...(patch.notifications ?? {}) },
  } as TeamSettings;
}

/** A URL-safe slug from a team name: 'Acme Support GmbH' -> 'acme-support-gmbh'. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'team';
}
