// The LDAP source against a real OpenLDAP slapd (test/support/slapd.ts) loaded with AD-like users (binary
// objectGUID, userAccountControl, escaped DNs) and OpenLDAP users (entryUUID), groups over 1,500 members,
// nested groups and a nesting cycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adDefaultMapping, openldapDefaultMapping, type SyncScope } from '#shared/sync.ts';
import { describeLdap } from '../../test/support/describe-ldap.ts';
import { adUser, directoryGroups, openLdapUser } from '../../test/support/directory-ldif.ts';
import { startSlapd, type Slapd } from '../../test/support/slapd.ts';
import { normalizeDn, parseRange } from './ldap.rules.ts';
import { createLdapSource, readGroupMembers, type AttributeReader, type LdapConnectionSettings } from './ldap.source.ts';
import { mappedAttributes } from './mapping.rules.ts';
import type { DirectoryEntry } from './source.ts';

const AD_USERS = 1700;
const OL_USERS = 60;

describeLdap('the LDAP source against slapd', () => {
  let s: Slapd;
  beforeAll(async () => {
    s = await startSlapd({ directory: { adUsers: AD_USERS, openLdapUsers: OL_USERS } });
  }, 60_000);
  afterAll(() => s?.stop());

  const ad = (over: Partial<LdapConnectionSettings> = {}): LdapConnectionSettings => ({
    url: s.url,
    bindDn: s.bindDn,
    bindPassword: s.bindPassword,
    baseDn: s.usersDn,
    userFilter: '(objectClass=user)',
    idAttribute: 'objectGUID',
    pageSize: 500,
    incremental: 'none',
    tls: { rejectUnauthorized: true, ca: null, startTls: false },
    timeoutSeconds: 10,
    ...over,
  });
  const ol = (over: Partial<LdapConnectionSettings> = {}) =>
    ad({ baseDn: s.peopleDn, userFilter: '(objectClass=inetOrgPerson)', idAttribute: 'entryUUID', ...over });

  async function readAll(settings: LdapConnectionSettings, scope: SyncScope = { mode: 'all' }, attrs = mappedAttributes(adDefaultMapping)) {
    const source = createLdapSource({ settings, scope, attributes: attrs });
    const pages: DirectoryEntry[][] = [];
    try {
      for await (const p of source.pages()) pages.push(p);
      return { pages, entries: pages.flat(), watermark: source.nextWatermark() };
    } finally {
      await source.close();
    }
  }

  it('reads every AD user with a small page size, objectGUID as GUID text, disabled accounts and escaped DNs', async () => {
    const { pages, entries } = await readAll(ad({ pageSize: 37 }));
    expect(entries).toHaveLength(AD_USERS);
    // RFC 2696 paging: the server handed the users over in pages of 37
    expect(pages.length).toBe(Math.ceil(AD_USERS / 37));
    expect(Math.max(...pages.map((p) => p.length))).toBe(37);
    const byId = new Map(entries.map((e) => [e.syncId, e]));
    expect(byId.size).toBe(AD_USERS);
    for (const i of [0, 3, 5, 25, 108, 224, 320, 1699]) {
      const u = adUser(s.options, i);
      const e = byId.get(u.guid);
      expect(e, `user ${i}`).toBeDefined();
      expect(e!.syncId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(e!.disabled).toBe(u.disabled);
      expect(normalizeDn(e!.dn)).toBe(normalizeDn(u.dn));
      expect(e!.attributes.givenname).toEqual([u.givenName]);
      expect(e!.attributes.mail).toEqual(u.mail ? [u.mail] : undefined);
    }
    // user 25's CN holds a comma: "Lee, Ana 25" — the DN keeps it escaped
    const u25 = byId.get(adUser(s.options, 25).guid)!;
    expect(u25.dn).toMatch(/^cn=[^,]+(\\2C|\\,) [^,]+ 25,/i);
    expect(entries.filter((e) => e.disabled).length).toBe(
      Array.from({ length: AD_USERS }, (_, i) => adUser(s.options, i)).filter((u) => u.disabled).length,
    );
  });

  it('reads OpenLDAP people keyed by entryUUID', async () => {
    const { entries } = await readAll(ol(), { mode: 'all' }, mappedAttributes(openldapDefaultMapping));
    expect(entries).toHaveLength(OL_USERS);
    expect(new Set(entries.map((e) => e.syncId)).size).toBe(OL_USERS);
    for (const e of entries) expect(e.syncId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const p7 = entries.find((e) => normalizeDn(e.dn) === normalizeDn(openLdapUser(s.options, 7).dn))!;
    expect(p7.attributes.sn).toEqual([openLdapUser(s.options, 7).sn]);
    expect(p7.disabled).toBe(false);
  });

  it('says which entries have no stable id instead of inventing one', async () => {
    const { entries } = await readAll(ol({ idAttribute: 'objectGUID' }), { mode: 'all' });
    expect(entries).toHaveLength(OL_USERS);
    expect(entries.every((e) => e.syncId === '' && e.error === 'The entry has no objectGUID (the stable id this connection uses)')).toBe(
      true,
    );
  });

  describe('list scope', () => {
    const groupDn = (cn: string) => directoryGroups(s.options).find((g) => g.cn === cn)!.dn;
    const expected = (...idx: number[][]) => new Set(idx.flat().map((i) => adUser(s.options, i).guid));
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k);

    it('takes the members of a group over 1,500 members', async () => {
      const { entries } = await readAll(ad({ pageSize: 200 }), { mode: 'list', groups: [groupDn('All Staff')] });
      expect(entries).toHaveLength(1600);
      expect(new Set(entries.map((e) => e.syncId))).toEqual(expected(range(0, 1600)));
    });

    it('follows nested groups and stops at a nesting cycle', async () => {
      const leads = directoryGroups(s.options).find((g) => g.cn === 'Regional Leads')!;
      const { entries } = await readAll(ad(), { mode: 'list', groups: [leads.dn] });
      const want = new Set(
        [
          ...leads.members,
          ...directoryGroups(s.options)
            .filter((g) => g.cn === 'Dept Sales' || g.cn === 'Dept Support')
            .flatMap((g) => g.members),
        ]
          .filter((dn) => /OU=Staff/.test(dn))
          .map(normalizeDn),
      );
      expect(new Set(entries.map((e) => normalizeDn(e.dn)))).toEqual(want);

      const loop = await readAll(ad(), { mode: 'list', groups: [groupDn('Loop A')] });
      expect(new Set(loop.entries.map((e) => e.syncId))).toEqual(expected(range(10, 30)));
    });

    it('reads OpenLDAP groupOfNames nested groups', async () => {
      const { entries } = await readAll(
        ol(),
        { mode: 'list', groups: [`cn=everyone,${s.groupsDn}`] },
        mappedAttributes(openldapDefaultMapping),
      );
      const want = new Set(
        range(0, OL_USERS)
          .filter((i) => i % 3 === 0 || i < 5)
          .map((i) => normalizeDn(openLdapUser(s.options, i).dn)),
      );
      expect(new Set(entries.map((e) => normalizeDn(e.dn)))).toEqual(want);
    });

    it('refuses a group that does not exist, in plain words', async () => {
      await expect(readAll(ad(), { mode: 'list', groups: [`CN=Nobody,${s.groupsDn}`] })).rejects.toMatchObject({
        problem: { code: 'group', message: `The group "CN=Nobody,${s.groupsDn}" does not exist in the directory.`, field: 'scope.groups' },
      });
    });

    it('reads member;range= slices until the last one (AD range retrieval over the real group)', async () => {
      // slapd answers `member` whole; this reader answers like Active Directory does (at most 1,500 values per
      // request, named member;range=a-b, the last slice a-*) from the real group's members read from slapd
      const c = await s.client();
      const asked: string[][] = [];
      try {
        const all = (await c.search(groupDn('All Staff'), { scope: 'base', attributes: ['member'] })).searchEntries[0]!.member as string[];
        expect(all.length).toBe(1600);
        const adLike: AttributeReader = async (dn, attributes) => {
          asked.push(attributes);
          const r = (await c.search(dn, { scope: 'base', attributes: ['member'] })).searchEntries[0];
          if (!r) return null;
          const members = r.member as string[];
          const want = attributes.map((a) => parseRange(a)).find(Boolean);
          const start = want ? want.start : 0;
          if (!want && members.length <= 1500) return { member: members };
          const end = Math.min(start + 1500, members.length);
          return { [`member;range=${start}-${end === members.length ? '*' : end - 1}`]: members.slice(start, end) };
        };
        const got = await readGroupMembers(adLike, groupDn('All Staff'));
        expect(got).toEqual(all);
        expect(asked).toEqual([['member', 'uniqueMember'], ['member;range=1500-*']]);
      } finally {
        await c.unbind();
      }
    });
  });

  it('narrows by a pattern: a filter and a base DN', async () => {
    const berlin = Array.from({ length: AD_USERS }, (_, i) => adUser(s.options, i)).filter((u) => u.l === adUser(s.options, 0).l);
    const { entries } = await readAll(ad(), { mode: 'pattern', pattern: { filter: `(l=${adUser(s.options, 0).l})` } });
    expect(entries.length).toBe(berlin.length);
    const people = await readAll(ad({ baseDn: s.baseDn, userFilter: '(objectClass=person)' }), {
      mode: 'pattern',
      pattern: { baseDn: s.peopleDn },
    });
    expect(people.entries).toHaveLength(OL_USERS);
  });

  it('reads only what changed since the watermark (modifyTimestamp, uSNChanged)', async () => {
    const first = await readAll(ad({ incremental: 'modifyTimestamp' }));
    expect(first.entries).toHaveLength(AD_USERS);
    const w = first.watermark!;
    expect(w).toMatchObject({ kind: 'modifyTimestamp' });
    const usnBefore = s.highestUsn();
    await s.changeAdUsers([4, 40, 400], (i) => ({ title: `Changed ${i}` }));

    const source = createLdapSource({ settings: ad({ incremental: 'modifyTimestamp' }), scope: { mode: 'all' }, attributes: ['title'] });
    const changed: DirectoryEntry[] = [];
    for await (const e of source.entries({ since: w })) changed.push(e);
    await source.close();
    // the three changed users, plus those last changed in the very second of the watermark (read again: `>=`,
    // so a change in that same second is never missed; writing them again changes nothing)
    const fresh = changed.filter((e) => e.changeMarker! > w.value);
    expect(fresh.map((e) => e.syncId).sort()).toEqual([4, 40, 400].map((i) => adUser(s.options, i).guid).sort());
    expect(fresh.map((e) => e.attributes.title?.[0]).sort()).toEqual(['Changed 4', 'Changed 40', 'Changed 400']);
    expect(changed.filter((e) => e.changeMarker! <= w.value).every((e) => e.changeMarker!.startsWith(w.value.slice(0, 14)))).toBe(true);
    expect(changed.length).toBeLessThan(10);

    const usn = createLdapSource({ settings: ad({ incremental: 'uSNChanged' }), scope: { mode: 'all' }, attributes: ['title'] });
    const byUsn: DirectoryEntry[] = [];
    for await (const e of usn.entries({ since: { kind: 'uSNChanged', value: String(usnBefore), invocationId: null } })) byUsn.push(e);
    await usn.close();
    expect(byUsn).toHaveLength(3);
    expect(byUsn.every((e) => Number(e.changeMarker) > usnBefore)).toBe(true);
    expect(usn.readEveryone()).toBe(false);

    // a watermark of another domain controller (invocationId) or of another mode is not used: everyone is read
    const other = createLdapSource({ settings: ad({ incremental: 'uSNChanged' }), scope: { mode: 'all' }, attributes: ['title'] });
    let n = 0;
    for await (const _ of other.entries({ since: { kind: 'uSNChanged', value: String(usnBefore), invocationId: 'another-dc' } })) n++;
    expect(n).toBe(AD_USERS);
    expect(other.readEveryone()).toBe(true);
    await other.close();
    const wrongMode = createLdapSource({ settings: ad({ incremental: 'modifyTimestamp' }), scope: { mode: 'all' }, attributes: ['title'] });
    n = 0;
    for await (const _ of wrongMode.entries({ since: { kind: 'uSNChanged', value: String(usnBefore), invocationId: null } })) n++;
    expect(n).toBe(AD_USERS);
    await wrongMode.close();
  });

  it('stops at the limit a preview asks for without reading the whole directory', async () => {
    const source = createLdapSource({ settings: ad(), scope: { mode: 'all' }, attributes: ['sn'] });
    const pages: DirectoryEntry[][] = [];
    for await (const p of source.pages({ limit: 21 })) pages.push(p);
    await source.close();
    expect(pages.flat()).toHaveLength(21);
    expect(pages).toHaveLength(1);
  });
});
