import { describe, expect, it } from 'vitest';
import { canManageRole, defaultPermissions, effectivePermissions } from './members.rules.ts';

describe('member permissions', () => {
  it('agents may modify and export but not import by default', () => {
    expect(defaultPermissions('agent')).toEqual({ modifyContacts: true, importContacts: false, exportContacts: true });
  });
  it('owners hold every permission whatever is stored', () => {
    expect(effectivePermissions({ role: 'owner', modifyContacts: false, importContacts: false, exportContacts: false })).toEqual({
      modifyContacts: true,
      importContacts: true,
      exportContacts: true,
    });
  });
  it('admins and agents hold what was granted (export can be switched off)', () => {
    expect(effectivePermissions({ role: 'admin', modifyContacts: true, importContacts: true, exportContacts: false }).exportContacts).toBe(
      false,
    );
    expect(effectivePermissions({ role: 'agent', modifyContacts: false, importContacts: false, exportContacts: true }).modifyContacts).toBe(
      false,
    );
  });
  it('admins cannot create, change or remove owners; agents manage nobody', () => {
    expect(canManageRole('owner', 'owner', 'agent')).toBe(true);
    expect(canManageRole('admin', 'agent', 'admin')).toBe(true);
    expect(canManageRole('admin', 'agent', 'owner')).toBe(false);
    expect(canManageRole('admin', 'owner')).toBe(false);
    expect(canManageRole('agent', 'agent')).toBe(false);
  });
});
