import { describe, expect, it } from 'vitest';
import { defaultTeamSettings } from '#shared/settings.schema.ts';
import { applySettingsPatch, readSettings, slugify } from './teams.rules.ts';

describe('team settings', () => {
  it('fills settings missing from storage with their defaults', () => {
    expect(readSettings({ portalEnabled: false, notifications: { newTickets: false } })).toEqual({
      ...defaultTeamSettings,
      portalEnabled: false,
      notifications: { ...defaultTeamSettings.notifications, newTickets: false },
    });
  });
  it('falls back to defaults when stored settings are corrupt', () => {
    expect(readSettings({ portalEnabled: 'yes' })).toEqual(defaultTeamSettings);
  });
  it('merges a partial patch, nested objects key by key', () => {
    const s = applySettingsPatch(defaultTeamSettings, { contactSso: { google: true }, defaultPhoneRegion: 'DE' });
    expect(s.contactSso).toEqual({ google: true, microsoft: false });
    expect(s.defaultPhoneRegion).toBe('DE');
  });
  it('makes URL-safe slugs from any team name', () => {
    expect(slugify('Acme Support GmbH')).toBe('acme-support-gmbh');
    expect(slugify('Équipe Ça Va')).toBe('equipe-ca-va');
    expect(slugify('한국팀')).toBe('team');
  });
});
