// SCIM's pure rules: reading Users as providers send them, PATCH in both Microsoft Entra shapes, the eq
// filters, and the flattening the Contact Sync mapping reads.
import { describe, expect, it } from 'vitest';
import { applyMapping } from '../sync/mapping.rules.ts';
import { scimDefaultMapping } from '#shared/sync.ts';
import { applyPatch, flattenUser, normalizeUser, parseFilter, parsePatch, ScimError, SCIM_ENTERPRISE } from './scim.rules.ts';

const base = () =>
  normalizeUser({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ada@contoso.com',
    Active: 'True',
    NAME: { GivenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: 'true', type: 'work', value: 'ada@contoso.com' }],
    password: 'never kept',
    meta: { resourceType: 'User' },
  });

const scimErrorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScimError) return { status: e.status, scimType: e.scimType };
    throw e;
  }
  throw new Error('no error');
};

describe('normalizeUser', () => {
  it('keeps attributes under their canonical names, booleans from strings, never the password, id or meta', () => {
    expect(base()).toEqual({
      userName: 'ada@contoso.com',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, type: 'work', value: 'ada@contoso.com' }],
    });
  });
  it('requires a userName and refuses a boolean that is not one', () => {
    expect(scimErrorOf(() => normalizeUser({ name: { givenName: 'x' } }))).toEqual({ status: 400, scimType: 'invalidValue' });
    expect(scimErrorOf(() => normalizeUser({ userName: 'a', active: 'yes please' }))).toEqual({ status: 400, scimType: 'invalidValue' });
    expect(scimErrorOf(() => normalizeUser([1]))).toEqual({ status: 400, scimType: 'invalidSyntax' });
  });
  it('reads the enterprise manager as a string, an object or a one-item array', () => {
    for (const manager of ['m-1', { value: 'm-1' }, [{ $ref: null, value: 'm-1' }]]) {
      expect(normalizeUser({ userName: 'a', [SCIM_ENTERPRISE]: { manager } })[SCIM_ENTERPRISE]).toEqual({ manager: { value: 'm-1' } });
    }
  });
});

describe('applyPatch', () => {
  it('replaces a filtered multi-valued sub-attribute and a name part, op in any case (Entra without the flag)', () => {
    const u = applyPatch(
      base(),
      parsePatch({
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' },
          { op: 'Replace', path: 'name.familyName', value: 'King' },
          { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 20 7946 0000' },
        ],
      }),
    );
    expect(u.emails).toEqual([{ primary: true, type: 'work', value: 'new@contoso.com' }]);
    expect(u.name).toEqual({ givenName: 'Ada', familyName: 'King' });
    expect(u.phoneNumbers).toEqual([{ type: 'mobile', value: '+44 20 7946 0000' }]);
  });
  it('applies a value object without a path whose keys are paths (Entra with aadOptscim062020)', () => {
    const u = applyPatch(
      base(),
      parsePatch({
        Operations: [
          {
            op: 'replace',
            value: { active: false, 'name.givenName': 'Augusta', [`${SCIM_ENTERPRISE}:department`]: 'Analytics', displayName: 'A. King' },
          },
        ],
      }),
    );
    expect(u).toMatchObject({
      active: false,
      name: { givenName: 'Augusta' },
      displayName: 'A. King',
      [SCIM_ENTERPRISE]: { department: 'Analytics' },
    });
  });
  it('removes: a filtered item, the manager, an attribute; never the userName; the input is left as it was', () => {
    const start = applyPatch(base(), parsePatch({ Operations: [{ op: 'add', path: `${SCIM_ENTERPRISE}:manager`, value: 'm-1' }] }));
    const u = applyPatch(
      start,
      parsePatch({
        Operations: [
          { op: 'Remove', path: 'emails[type eq "work"]' },
          { op: 'Remove', path: `${SCIM_ENTERPRISE}:manager` },
        ],
      }),
    );
    expect(u.emails).toBeUndefined();
    expect(u[SCIM_ENTERPRISE]).toBeUndefined();
    expect(start[SCIM_ENTERPRISE]).toEqual({ manager: { value: 'm-1' } });
    expect(scimErrorOf(() => applyPatch(base(), parsePatch({ Operations: [{ op: 'remove', path: 'userName' }] })))).toEqual({
      status: 400,
      scimType: 'mutability',
    });
  });
  it('refuses unknown ops, missing values and paths it cannot read', () => {
    expect(scimErrorOf(() => parsePatch({ Operations: [{ op: 'move', path: 'title' }] })).scimType).toBe('invalidSyntax');
    expect(scimErrorOf(() => parsePatch({ Operations: [{ op: 'add', path: 'title' }] })).scimType).toBe('invalidValue');
    expect(scimErrorOf(() => parsePatch({ Operations: [{ op: 'remove' }] })).scimType).toBe('noTarget');
    expect(
      scimErrorOf(() => applyPatch(base(), parsePatch({ Operations: [{ op: 'add', path: 'title[type eq "x"]', value: 1 }] }))).scimType,
    ).toBe('invalidPath');
  });
});

describe('parseFilter', () => {
  it('reads the eq filters Entra and Okta send, joined by and', () => {
    expect(parseFilter('userName eq "a@b.c"')).toEqual([{ attr: 'userName', emailType: null, value: 'a@b.c' }]);
    expect(parseFilter('externalId eq "x" and emails[type eq "work"].value eq "A@b.c"')).toEqual([
      { attr: 'externalId', emailType: null, value: 'x' },
      { attr: 'email', emailType: 'work', value: 'A@b.c' },
    ]);
    expect(parseFilter('userName eq "and or eq"')[0]!.value).toBe('and or eq');
  });
  it('answers invalidFilter for anything else', () => {
    for (const f of ['userName co "a"', 'title eq "x"', 'userName eq a', '(userName eq "a")']) {
      expect(scimErrorOf(() => parseFilter(f))).toEqual({ status: 400, scimType: 'invalidFilter' });
    }
  });
});

describe('flattenUser with the default SCIM mapping', () => {
  it('maps core and enterprise attributes to contact fields', () => {
    const u = normalizeUser({
      userName: 'ada@contoso.com',
      title: 'Analyst',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ type: 'work', value: 'Ada@Contoso.com', primary: true }],
      phoneNumbers: [{ type: 'work', value: '+1 425 555 0100' }],
      addresses: [{ type: 'work', locality: 'London', country: 'GB' }],
      [SCIM_ENTERPRISE]: { department: 'Engines', organization: 'Babbage Ltd', manager: { value: 'm-1' } },
      active: 'False',
    });
    const m = applyMapping(
      { syncId: 'id-1', dn: 'ada@contoso.com', attributes: flattenUser(u), disabled: u.active === false, changeMarker: null },
      scimDefaultMapping,
    );
    expect(m.failure).toBeNull();
    expect(m.fields).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      primaryEmail: 'ada@contoso.com',
      jobTitle: 'Analyst',
      division: 'Engines',
      company: 'Babbage Ltd',
      phones: { work: '+1 425 555 0100' },
      address: { city: 'London', country: 'GB' },
      permissions: { active: false },
    });
    expect(m.reportsToDn).toBe('m-1');
  });
});
