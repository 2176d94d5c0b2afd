// The test directory itself: a real slapd loaded with the generated AD-like and OpenLDAP-like people, queried with
// ldapts (as the sync source does) and with OpenLDAP's own ldapsearch.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLdap } from './describe-ldap.ts';
import { adGuidText, adUser, directoryGroups, escapeRdnValue, openLdapUser, writeDirectoryLdif } from './directory-ldif.ts';
import { ldapSettingsFor, startSlapd, unreachableLdapUrl, type Slapd } from './slapd.ts';

/** ldapts answers [] for a requested attribute the entry does not have */
const absent = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);

function ldapsearch(s: Slapd, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', s.url, '-D', s.bindDn, '-w', s.bindPassword, ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ldapsearch ${code}: ${err}`))));
  });
}

describe('the generated directory', () => {
  it('is the same for the same seed and differs for another', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kdesk-ldif-'));
    try {
      await writeDirectoryLdif(path.join(dir, 'a.ldif'), { seed: 7, adUsers: 300, openLdapUsers: 20 });
      await writeDirectoryLdif(path.join(dir, 'b.ldif'), { seed: 7, adUsers: 300, openLdapUsers: 20 });
      await writeDirectoryLdif(path.join(dir, 'c.ldif'), { seed: 8, adUsers: 300, openLdapUsers: 20 });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readFile(path.join(dir, `${n}.ldif`), 'utf8')));
      expect(a).toBe(b);
      expect(a).not.toBe(c);
      expect(a).toMatch(/^dn: CN=\w+\\, \w+ 0,OU=Staff,dc=kdesk,dc=test$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints objectGUIDs the way Windows does and escapes RDN values', () => {
    expect(adGuidText(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'))).toBe('03020100-0504-0706-0809-0a0b0c0d0e0f');
    expect(escapeRdnValue('Lee, Ana')).toBe('Lee\\, Ana');
    expect(escapeRdnValue('#a+b "c"')).toBe('\\#a\\+b \\"c\\"');
  });
});

describeLdap('a real slapd with the generated directory', () => {
  let s: Slapd;
  let c: Client;
  beforeAll(async () => {
    s = await startSlapd({ directory: { adUsers: 2000, openLdapUsers: 200 }, domainController: true });
    c = await s.client();
  });
  afterAll(async () => {
    await c?.unbind();
    await s?.stop();
  });

  it('enumerates every AD user with a paged search, with binary GUIDs and disabled accounts', async () => {
    const { searchEntries } = await c.search(s.usersDn, {
      filter: '(objectClass=user)',
      paged: { pageSize: 500 },
      attributes: ['objectGUID', 'userAccountControl', 'sAMAccountName', 'mail'],
      explicitBufferAttributes: ['objectGUID'],
    });
    expect(searchEntries).toHaveLength(2000);
    const guids = new Set(searchEntries.map((e) => adGuidText(e.objectGUID as Buffer)));
    expect(guids.size).toBe(2000);
    expect(guids.has(adUser(s.options, 42).guid)).toBe(true);
    const disabled = searchEntries.filter((e) => Number(e.userAccountControl) & 2);
    expect(disabled).toHaveLength(s.summary.adDisabled);
    expect(disabled.length).toBeGreaterThan(50);
    expect(searchEntries.filter((e) => absent(e.mail))).toHaveLength(s.summary.adWithoutMail);
    expect(s.summary.adWithoutMail).toBeGreaterThan(20);
  });

  it('filters by objectGUID, sAMAccountName and userAccountControl like AD', async () => {
    const u = adUser(s.options, 77);
    // ldapts mangles \xx escapes of bytes over 0x7f in a filter string: a binary value goes in as a Buffer
    const byGuid = await c.search(s.usersDn, {
      filter: new EqualityFilter({ attribute: 'objectGUID', value: u.objectGUID }),
      attributes: ['sAMAccountName'],
    });
    expect(byGuid.searchEntries.map((e) => e.sAMAccountName)).toEqual([u.sAMAccountName]);
    const escaped = [...u.objectGUID].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    expect(await ldapsearch(s, ['-b', s.usersDn, `(objectGUID=${escaped})`, 'sAMAccountName'])).toContain(
      `sAMAccountName: ${u.sAMAccountName}`,
    );
    const bySam = await c.search(s.usersDn, { filter: `(sAMAccountName=${u.sAMAccountName})`, attributes: ['cn'] });
    expect(bySam.searchEntries.map((e) => e.cn)).toEqual([u.cn]);
    const enabled514 = await c.search(s.usersDn, { filter: '(userAccountControl=514)', paged: true, attributes: ['cn'] });
    expect(enabled514.searchEntries.length).toBeGreaterThan(0);
  });

  it('holds DNs with escaped commas and managers in a cycle', async () => {
    const lee = adUser(s.options, 25);
    expect(lee.dn).toMatch(/^CN=[^,]+\\, [^,]+,OU=Staff,/);
    const base = await c.search(lee.dn, { scope: 'base', attributes: ['cn', 'manager'] });
    expect(base.searchEntries).toHaveLength(1);
    expect(base.searchEntries[0]!.cn).toBe(lee.cn);
    const zero = await c.search(adUser(s.options, 0).dn, { scope: 'base', attributes: ['manager'] });
    const two = await c.search(adUser(s.options, 2).dn, { scope: 'base', attributes: ['manager'] });
    expect(zero.searchEntries[0]!.manager).toBe(adUser(s.options, 2).dn);
    expect(two.searchEntries[0]!.manager).toBe(adUser(s.options, 0).dn);
  });

  it('has a group over 1,500 members, nested groups and a nesting cycle', async () => {
    const { searchEntries } = await c.search(s.groupsDn, { filter: '(objectClass=group)', attributes: ['cn', 'member'] });
    const byCn = new Map(searchEntries.map((e) => [e.cn as string, ([] as string[]).concat((e.member as string | string[]) ?? [])]));
    expect(byCn.get('All Staff')).toHaveLength(1600);
    const groups = directoryGroups(s.options);
    const leads = groups.find((g) => g.cn === 'Regional Leads')!;
    expect(byCn.get('Regional Leads')).toEqual(expect.arrayContaining(leads.members));
    expect(byCn.get('Loop A')).toContain(groups.find((g) => g.cn === 'Loop B')!.dn);
    expect(byCn.get('Loop B')).toContain(groups.find((g) => g.cn === 'Loop A')!.dn);
    const ol = await c.search(s.groupsDn, { filter: '(objectClass=groupOfNames)', attributes: ['cn'] });
    expect(ol.searchEntries.map((e) => e.cn).sort()).toEqual(['engineers', 'everyone', 'managers']);
  });

  it('gives OpenLDAP people an entryUUID', async () => {
    const { searchEntries } = await c.search(s.peopleDn, {
      filter: '(objectClass=inetOrgPerson)',
      paged: { pageSize: 100 },
      attributes: ['uid', 'entryUUID', 'mail'],
    });
    expect(searchEntries).toHaveLength(200);
    expect(new Set(searchEntries.map((e) => e.entryUUID)).size).toBe(200);
    for (const e of searchEntries) expect(e.entryUUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(openLdapUser(s.options, 9).mail).toBeNull();
    expect(absent(searchEntries.find((e) => e.uid === openLdapUser(s.options, 9).uid)!.mail)).toBe(true);
    expect(searchEntries.find((e) => e.uid === openLdapUser(s.options, 10).uid)!.mail).toBe(openLdapUser(s.options, 10).mail);
  });

  it('changes, deletes and recreates users, visible to uSNChanged and modifyTimestamp filters', async () => {
    const rootDse = async () => {
      const cl = await s.client();
      try {
        const r = await cl.search('', { scope: 'base', attributes: ['highestCommittedUSN', 'dsServiceName'] });
        return r.searchEntries[0]!;
      } finally {
        await cl.unbind();
      }
    };
    const before = s.highestUsn();
    expect(await rootDse()).toMatchObject({ highestCommittedUSN: String(before), dsServiceName: s.dsServiceName });
    await s.changeAdUsers([5, 6, 7], (i) => ({ title: `Changed ${i}`, mobile: null }));
    c = await s.client(); // the restart that published the new highestCommittedUSN dropped the connection
    expect((await rootDse()).highestCommittedUSN).toBe(String(before + 3));
    const dsa = await c.search(s.dsServiceName!, {
      scope: 'base',
      attributes: ['invocationId'],
      explicitBufferAttributes: ['invocationId'],
    });
    expect(adGuidText(dsa.searchEntries[0]!.invocationId as Buffer)).toBe(s.invocationId);
    const changed = await c.search(s.usersDn, { filter: `(uSNChanged>=${before + 1})`, attributes: ['title', 'mobile'] });
    expect(changed.searchEntries.map((e) => e.title).sort()).toEqual(['Changed 5', 'Changed 6', 'Changed 7']);
    expect(changed.searchEntries.every((e) => absent(e.mobile))).toBe(true);
    const since = new Date(Date.now() - 120_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    const recent = await c.search(s.usersDn, { filter: `(&(objectClass=user)(modifyTimestamp>=${since}))`, attributes: ['cn'] });
    expect(recent.searchEntries).toHaveLength(3);

    const old = adUser(s.options, 8);
    await s.recreateAdUser(8);
    c = await s.client();
    const again = await c.search(old.dn, { scope: 'base', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] });
    const guid = adGuidText(again.searchEntries[0]!.objectGUID as Buffer);
    expect(guid).toBe(adUser(s.options, 8, 1).guid);
    expect(guid).not.toBe(old.guid);

    await s.deleteEntries([adUser(s.options, 9).dn]);
    c = await s.client();
    const count = await c.search(s.usersDn, { filter: '(objectClass=user)', paged: true, attributes: ['1.1'] });
    expect(count.searchEntries).toHaveLength(1999);
  });

  it('answers ldapsearch with the paged-results control', async () => {
    const out = await ldapsearch(s, ['-b', s.usersDn, '-E', 'pr=300/noprompt', '(objectClass=user)', 'sAMAccountName']);
    expect(out.match(/^dn:/gm)).toHaveLength(1999);
  });

  it('refuses a wrong password, and an unreachable URL does not answer', async () => {
    const other = new Client({ url: s.url });
    await expect(other.bind(s.bindDn, 'wrong')).rejects.toThrow(InvalidCredentialsError);
    await other.unbind();
    const nowhere = new Client({ url: await unreachableLdapUrl(), connectTimeout: 1000 });
    await expect(nowhere.bind(s.bindDn, s.bindPassword)).rejects.toThrow(/ECONNREFUSED|connect/i);
    await nowhere.unbind().catch(() => {});
  });

  it('gives the settings of a connection to its AD users and its OpenLDAP people', async () => {
    for (const [kind, n] of [
      ['ad', 2000 - 1],
      ['openldap', 200],
    ] as const) {
      const settings = ldapSettingsFor(s, kind);
      const cl = new Client({ url: settings.url });
      await cl.bind(settings.bindDn, settings.bindPassword);
      const { searchEntries } = await cl.search(settings.baseDn, {
        filter: settings.userFilter,
        paged: true,
        attributes: [settings.idAttribute],
      });
      await cl.unbind();
      expect(searchEntries).toHaveLength(n);
      expect(searchEntries.every((e) => !absent(e[settings.idAttribute]))).toBe(true);
    }
  });
});

describeLdap('slapd with the stock msuser.schema', () => {
  it('loads the same directory and stops without leaving files', async () => {
    const s = await startSlapd({ adSchema: 'msuser', directory: { adUsers: 100, openLdapUsers: 10 } });
    let stopped = false;
    try {
      const c = await s.client();
      const { searchEntries } = await c.search(s.usersDn, { filter: '(objectClass=user)', attributes: ['sAMAccountName', 'objectGUID'] });
      await c.unbind();
      expect(searchEntries).toHaveLength(100);
      expect(searchEntries.every((e) => e.objectGUID && e.sAMAccountName)).toBe(true);
      expect(existsSync(s.dir)).toBe(true);
      await s.stop();
      stopped = true;
      expect(existsSync(s.dir)).toBe(false);
      const late = new Client({ url: s.url, connectTimeout: 1000 });
      await expect(late.bind(s.bindDn, s.bindPassword)).rejects.toThrow();
      await late.unbind().catch(() => {});
    } finally {
      if (!stopped) await s.stop();
    }
  });
});
