// A generated directory for the LDAP/Active Directory sync tests and the sync benchmark: deterministic by seed,
// every entry a pure function of (options, index), so a test can compute what user 42 looks like (its GUID, its
// manager, whether it is disabled) without reading the LDIF back.
//
// Layout under `baseDn` (default dc=kdesk,dc=test):
//   OU=Staff      Active Directory-like users: objectClass user, binary objectGUID (16 bytes) and objectSid,
//                 userAccountControl (some with ACCOUNTDISABLE 0x2), sAMAccountName, userPrincipalName, mail
//                 (some without), givenName, sn, displayName, telephoneNumber, mobile, l, st, postalCode, co,
//                 title, department, company, manager (a tree, plus a cycle 0 → 2 → 0 and a few managers that
//                 do not exist), uSNCreated/uSNChanged, whenCreated/whenChanged; every 25th CN holds an escaped
//                 comma (`CN=Lee\, Ana 25,OU=Staff,…`), a few a `+`, `"` or non-ASCII characters.
//   ou=People     OpenLDAP-like users: inetOrgPerson keyed by uid; entryUUID is operational, assigned by slapd.
//   OU=Groups     AD groups (objectClass group, groupType): "All Staff" with more than 1,500 members (when there
//                 are that many AD users), one per department, nested groups and a nesting cycle; OpenLDAP
//                 groupOfNames with nested groups.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface DirectoryOptions {
  /** Same seed, same directory. Default 1. */
  seed?: number;
  baseDn?: string;
  /** Active Directory-like users under OU=Staff. Default 2,000. */
  adUsers?: number;
  /** OpenLDAP inetOrgPerson users under ou=People. Default 200. */
  openLdapUsers?: number;
  /** Members of CN=All Staff (the first N AD users). Default min(adUsers, 1,600): over AD's 1,500-value range. */
  bigGroupMembers?: number;
}

export type Resolved = Required<DirectoryOptions>;

export function resolveDirectoryOptions(o: DirectoryOptions = {}): Resolved {
  const adUsers = o.adUsers ?? 2000;
  return {
    seed: o.seed ?? 1,
    baseDn: o.baseDn ?? 'dc=kdesk,dc=test',
    adUsers,
    openLdapUsers: o.openLdapUsers ?? 200,
    bigGroupMembers: Math.min(o.bigGroupMembers ?? 1600, adUsers),
  };
}

export const staffDn = (o: Resolved) => `OU=Staff,${o.baseDn}`;
export const peopleDn = (o: Resolved) => `ou=People,${o.baseDn}`;
export const groupsDn = (o: Resolved) => `OU=Groups,${o.baseDn}`;

/** One attribute value: text, or bytes (written base64 in the LDIF). */
export type LdapValue = string | Buffer;
export interface LdapEntry {
  dn: string;
  attributes: [string, LdapValue | LdapValue[]][];
}

const FIRST = [
  'Ana',
  'Ben',
  'Chloé',
  'Dmitri',
  'Emma',
  'Fatima',
  'Gérard',
  'Hana',
  'Ivan',
  'Jun',
  'Kemal',
  'Lucía',
  'Mateo',
  'Nour',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tomás',
  'Uma',
  'Víctor',
  'Wen',
  'Yusuf',
];
const LAST = [
  'Lee',
  'Smith',
  'Müller',
  'García',
  'Kim',
  'Yılmaz',
  'Dubois',
  'Rossi',
  'Tanaka',
  'Nowak',
  'Silva',
  'Jensen',
  'Okafor',
  "O'Brien",
  'Nguyen',
  'Novák',
];
const DEPARTMENTS = ['Sales', 'Support', 'Engineering', 'Finance', 'Legal', 'Marketing', 'Operations', 'People'];
const TITLES = ['Engineer', 'Manager', 'Analyst', 'Director', 'Specialist', 'Consultant', 'Agent', 'Lead'];
const PLACES: { l: string; st: string; postalCode: string; co: string; c: string }[] = [
  { l: 'Springfield', st: 'IL', postalCode: '62701', co: 'United States', c: 'US' },
  { l: 'Berlin', st: 'BE', postalCode: '10115', co: 'Germany', c: 'DE' },
  { l: 'Madrid', st: 'MD', postalCode: '28001', co: 'Spain', c: 'ES' },
  { l: 'Seoul', st: 'Seoul', postalCode: '04524', co: 'Korea, Republic of', c: 'KR' },
  { l: 'İstanbul', st: 'İstanbul', postalCode: '34000', co: 'Türkiye', c: 'TR' },
  { l: 'Paris', st: 'IDF', postalCode: '75001', co: 'France', c: 'FR' },
];
const COMPANY = 'Kdesk Test Corp';
export const MAIL_DOMAIN = 'corp.kdesk.test';

/** Bytes that depend only on (seed, label): GUIDs, SIDs. */
function bytes(seed: number, label: string, n: number): Buffer {
  return createHash('sha256').update(`${seed}:${label}`).digest().subarray(0, n);
}

/**
 * The canonical text of an AD objectGUID as Windows prints it: the first three groups are little-endian
 * (`{…}` without braces, lower case), e.g. bytes 00 01 02 … 0f → 03020100-0504-0706-0809-0a0b0c0d0e0f.
 */
export function adGuidText(b: Buffer): string {
  if (b.length !== 16) throw new Error(`objectGUID is 16 bytes, got ${b.length}`);
  const h = (i: number) => b[i]!.toString(16).padStart(2, '0');
  const le = (idx: number[]) => idx.map(h).join('');
  return `${le([3, 2, 1, 0])}-${le([5, 4])}-${le([7, 6])}-${le([8, 9])}-${le([10, 11, 12, 13, 14, 15])}`;
}

/** Escapes an RDN value (RFC 4514): `,+"\<>;=` and a leading `#` or space, a trailing space. */
export function escapeRdnValue(v: string): string {
  let s = v.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

export interface AdUser {
  index: number;
  dn: string;
  cn: string;
  objectGUID: Buffer;
  /** adGuidText(objectGUID) */
  guid: string;
  sAMAccountName: string;
  mail: string | null;
  givenName: string;
  sn: string;
  displayName: string;
  telephoneNumber: string;
  mobile: string | null;
  l: string;
  st: string;
  postalCode: string;
  co: string;
  title: string;
  department: string;
  company: string;
  userAccountControl: number;
  /** ACCOUNTDISABLE (0x2) is set */
  disabled: boolean;
  /** the manager's DN; null for none. May name an entry that does not exist (see `danglingManager`). */
  managerDn: string | null;
  managerIndex: number | null;
  uSNChanged: number;
}

/** The index of user i's manager: a tree of ten reports each, with a cycle 0 → 2 → 0; none for a one-user directory. */
export function managerIndexOf(i: number, count: number): number | null {
  if (count < 3) return null;
  if (i === 0) return 2;
  const m = Math.floor((i - 1) / 10);
  return m === i ? null : m;
}

/** Every 997th user (from 500 on) reports to someone who is not in the directory. */
const danglingManager = (i: number) => i % 997 === 500;

function adCn(i: number, given: string, sn: string): string {
  if (i % 25 === 0) return `${sn}, ${given} ${i}`; // CN=Lee\, Ana 25
  if (i % 101 === 7) return `${given} + ${sn} ${i}`; // a plus sign
  if (i % 211 === 11) return `"${given}" ${sn} ${i}`; // quotes
  if (i % 307 === 13) return `#${given} ${sn} ${i}`; // a leading '#'
  return `${given} ${sn} ${i}`;
}

export function adUserDn(o: Resolved, i: number): string {
  const given = FIRST[(i * 7 + o.seed) % FIRST.length]!;
  const sn = LAST[(i * 3 + (i >> 4) + o.seed) % LAST.length]!;
  return `CN=${escapeRdnValue(adCn(i, given, sn))},${staffDn(o)}`;
}

const isDisabled = (i: number) => i % 20 === 3 || i % 97 === 5;
const hasMail = (i: number) => i % 33 !== 5;

/** AD user i. `generation` > 0 is the same person recreated (deleted and added again): a new objectGUID and SID. */
export function adUser(o: Resolved, i: number, generation = 0): AdUser {
  const givenName = FIRST[(i * 7 + o.seed) % FIRST.length]!;
  const sn = LAST[(i * 3 + (i >> 4) + o.seed) % LAST.length]!;
  const cn = adCn(i, givenName, sn);
  const asciiSn = sn
    .normalize('NFKD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()
    .replace(/ı/g, 'i');
  const sam =
    `${givenName
      .normalize('NFKD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase()
      .slice(0, 1)}${asciiSn}`.slice(0, 12) + String(i);
  const place = PLACES[i % PLACES.length]!;
  const disabled = isDisabled(i);
  // 0x200 NORMAL_ACCOUNT, 0x10000 DONT_EXPIRE_PASSWORD on some, 0x2 ACCOUNTDISABLE on the disabled ones
  const userAccountControl = 0x200 | (i % 3 === 0 ? 0x10000 : 0) | (disabled ? 0x2 : 0);
  const objectGUID = bytes(o.seed, `guid:${i}:${generation}`, 16);
  objectGUID[7] = (objectGUID[7]! & 0x0f) | 0x40; // a version-4 GUID, as AD makes them (byte 7: the LE version group)
  objectGUID[8] = (objectGUID[8]! & 0x3f) | 0x80;
  const mi = managerIndexOf(i, o.adUsers);
  const managerDn = danglingManager(i) ? `CN=Former Manager ${i},OU=Leavers,${o.baseDn}` : mi === null ? null : adUserDn(o, mi);
  return {
    index: i,
    dn: `CN=${escapeRdnValue(cn)},${staffDn(o)}`,
    cn,
    objectGUID,
    guid: adGuidText(objectGUID),
    sAMAccountName: sam,
    mail: hasMail(i) ? `${sam}@${MAIL_DOMAIN}` : null,
    givenName,
    sn,
    displayName: `${givenName} ${sn}`,
    telephoneNumber: `+1 202 555 ${String(i % 10000).padStart(4, '0')}`,
    mobile: i % 4 === 1 ? null : `+1 303 555 ${String((i * 7) % 10000).padStart(4, '0')}`,
    l: place.l,
    st: place.st,
    postalCode: place.postalCode,
    co: place.co,
    title: TITLES[i % TITLES.length]!,
    department: DEPARTMENTS[i % DEPARTMENTS.length]!,
    company: COMPANY,
    userAccountControl,
    disabled,
    managerDn,
    managerIndex: danglingManager(i) ? null : mi,
    uSNChanged: 10_000 + i,
  };
}

function sid(o: Resolved, i: number, generation: number): Buffer {
  // S-1-5-21-a-b-c-RID: revision 1, 5 sub-authorities, authority 5 (big-endian 48-bit), sub-authorities little-endian
  const b = Buffer.alloc(28);
  b[0] = 1;
  b[1] = 5;
  b.writeUIntBE(5, 2, 6);
  b.writeUInt32LE(21, 8);
  const dom = bytes(o.seed, 'domain-sid', 12);
  dom.copy(b, 12);
  b.writeUInt32LE(1000 + i + generation * 10_000_000, 24);
  return b;
}

const GENERALIZED = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}.0Z`;

/** The LDAP entry of AD user i (for slapadd, or ldapadd when recreating it). */
export function adUserEntry(o: Resolved, i: number, generation = 0): LdapEntry {
  const u = adUser(o, i, generation);
  const created = new Date(Date.UTC(2020, 0, 1) + i * 60_000);
  const a: LdapEntry['attributes'] = [
    ['objectClass', ['top', 'person', 'organizationalPerson', 'user', 'securityPrincipal']],
    ['cn', u.cn],
    ['sn', u.sn],
    ['givenName', u.givenName],
    ['displayName', u.displayName],
    ['instanceType', '4'],
    ['objectCategory', `CN=Person,CN=Schema,CN=Configuration,${o.baseDn}`],
    ['nTSecurityDescriptor', Buffer.from([1, 0, 4, 0x80, 0, 0, 0, 0])],
    ['objectGUID', u.objectGUID],
    ['objectSid', sid(o, i, generation)],
    ['sAMAccountName', u.sAMAccountName],
    ['userPrincipalName', `${u.sAMAccountName}@${MAIL_DOMAIN}`],
    ['userAccountControl', String(u.userAccountControl)],
    ['telephoneNumber', u.telephoneNumber],
    ['l', u.l],
    ['st', u.st],
    ['postalCode', u.postalCode],
    ['co', u.co],
    ['title', u.title],
    ['department', u.department],
    ['company', u.company],
    ['uSNCreated', String(u.uSNChanged)],
    ['uSNChanged', String(u.uSNChanged)],
    ['whenCreated', GENERALIZED(created)],
    ['whenChanged', GENERALIZED(created)],
  ];
  if (u.mail) a.push(['mail', u.mail]);
  if (u.mobile) a.push(['mobile', u.mobile]);
  if (u.managerDn) a.push(['manager', u.managerDn]);
  return { dn: u.dn, attributes: a };
}

export interface OpenLdapUser {
  index: number;
  dn: string;
  uid: string;
  cn: string;
  givenName: string;
  sn: string;
  mail: string | null;
  telephoneNumber: string;
  l: string;
  title: string;
  ou: string;
  managerDn: string | null;
}

const olGiven = (o: Resolved, i: number) => FIRST[(i * 5 + 3 + o.seed) % FIRST.length]!;
const olUid = (o: Resolved, i: number) =>
  `${olGiven(o, i)
    .normalize('NFKD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()}.${i}`;

/** OpenLDAP person i (uid RDN); people report to a tree of ten each, person 0 to person 1 (a cycle 0 → 1 → 0). */
export function openLdapUser(o: Resolved, i: number): OpenLdapUser {
  const givenName = olGiven(o, i);
  const sn = LAST[(i * 11 + 1 + o.seed) % LAST.length]!;
  const uid = olUid(o, i);
  const mi = o.openLdapUsers >= 3 ? (i === 0 ? 1 : Math.floor((i - 1) / 10)) : null;
  return {
    index: i,
    dn: `uid=${uid},${peopleDn(o)}`,
    uid,
    cn: `${givenName} ${sn}`,
    givenName,
    sn,
    mail: i % 41 === 9 ? null : `${uid}@people.kdesk.test`,
    telephoneNumber: `+49 30 ${String(1_000_000 + i).padStart(7, '0')}`,
    l: PLACES[(i + 1) % PLACES.length]!.l,
    title: TITLES[(i + 3) % TITLES.length]!,
    ou: DEPARTMENTS[(i + 1) % DEPARTMENTS.length]!,
    managerDn: mi === null || mi === i ? null : `uid=${olUid(o, mi)},${peopleDn(o)}`,
  };
}

export function openLdapUserEntry(o: Resolved, i: number): LdapEntry {
  const u = openLdapUser(o, i);
  const a: LdapEntry['attributes'] = [
    ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson']],
    ['uid', u.uid],
    ['cn', u.cn],
    ['sn', u.sn],
    ['givenName', u.givenName],
    ['displayName', u.cn],
    ['telephoneNumber', u.telephoneNumber],
    ['l', u.l],
    ['title', u.title],
    ['ou', u.ou],
    ['o', COMPANY],
    ['employeeNumber', String(50_000 + i)],
  ];
  if (u.mail) a.push(['mail', u.mail]);
  if (u.managerDn) a.push(['manager', u.managerDn]);
  return { dn: u.dn, attributes: a };
}

export interface DirectoryGroup {
  dn: string;
  cn: string;
  kind: 'ad' | 'openldap';
  /** direct members: user DNs and nested group DNs */
  members: string[];
}

const adGroupDn = (o: Resolved, cn: string) => `CN=${escapeRdnValue(cn)},${groupsDn(o)}`;
const olGroupDn = (o: Resolved, cn: string) => `cn=${escapeRdnValue(cn)},${groupsDn(o)}`;

/**
 * The groups (small: built in memory; All Staff holds `bigGroupMembers` DNs). AD: "All Staff" (the first
 * bigGroupMembers users), one group per department ("Dept Sales", … by user index), "Regional Leads" (users
 * 0–9 + the nested groups "Dept Sales" and "Dept Support"), "Loop A" ⊃ "Loop B" ⊃ "Loop A" (a nesting cycle) with
 * users 10–19 in A and 20–29 in B, "Empty Group" (AD allows a group without members). OpenLDAP groupOfNames
 * (a member is mandatory): "engineers" (every 3rd person), "managers" (people 0–4), "everyone" ⊃ engineers,
 * managers.
 */
export function directoryGroups(o: Resolved): DirectoryGroup[] {
  const groups: DirectoryGroup[] = [];
  if (o.adUsers > 0) {
    const users = (from: number, to: number) =>
      Array.from({ length: Math.max(0, Math.min(to, o.adUsers) - from) }, (_, k) => adUserDn(o, from + k));
    groups.push({ dn: adGroupDn(o, 'All Staff'), cn: 'All Staff', kind: 'ad', members: users(0, o.bigGroupMembers) });
    for (const [d, dept] of DEPARTMENTS.entries()) {
      const members: string[] = [];
      for (let i = d; i < o.adUsers && members.length < 5000; i += DEPARTMENTS.length) members.push(adUserDn(o, i));
      groups.push({ dn: adGroupDn(o, `Dept ${dept}`), cn: `Dept ${dept}`, kind: 'ad', members });
    }
    groups.push({
      dn: adGroupDn(o, 'Regional Leads'),
      cn: 'Regional Leads',
      kind: 'ad',
      members: [...users(0, 10), adGroupDn(o, 'Dept Sales'), adGroupDn(o, 'Dept Support')],
    });
    groups.push({ dn: adGroupDn(o, 'Loop A'), cn: 'Loop A', kind: 'ad', members: [...users(10, 20), adGroupDn(o, 'Loop B')] });
    groups.push({ dn: adGroupDn(o, 'Loop B'), cn: 'Loop B', kind: 'ad', members: [...users(20, 30), adGroupDn(o, 'Loop A')] });
    groups.push({ dn: adGroupDn(o, 'Empty Group'), cn: 'Empty Group', kind: 'ad', members: [] });
  }
  if (o.openLdapUsers > 0) {
    const people = (pred: (i: number) => boolean) =>
      Array.from({ length: o.openLdapUsers }, (_, i) => i)
        .filter(pred)
        .map((i) => openLdapUser(o, i).dn);
    groups.push({ dn: olGroupDn(o, 'engineers'), cn: 'engineers', kind: 'openldap', members: people((i) => i % 3 === 0) });
    groups.push({ dn: olGroupDn(o, 'managers'), cn: 'managers', kind: 'openldap', members: people((i) => i < 5) });
    groups.push({
      dn: olGroupDn(o, 'everyone'),
      cn: 'everyone',
      kind: 'openldap',
      members: [olGroupDn(o, 'engineers'), olGroupDn(o, 'managers')],
    });
  }
  return groups;
}

function groupEntry(o: Resolved, g: DirectoryGroup, i: number): LdapEntry {
  if (g.kind === 'ad') {
    const guid = bytes(o.seed, `group-guid:${g.cn}`, 16);
    return {
      dn: g.dn,
      attributes: [
        ['objectClass', ['top', 'group', 'securityPrincipal']],
        ['cn', g.cn],
        ['sAMAccountName', g.cn.replace(/\s+/g, '')],
        ['groupType', '-2147483646'], // global security group
        ['instanceType', '4'],
        ['objectCategory', `CN=Group,CN=Schema,CN=Configuration,${o.baseDn}`],
        ['nTSecurityDescriptor', Buffer.from([1, 0, 4, 0x80, 0, 0, 0, 0])],
        ['objectGUID', guid],
        ['objectSid', sid(o, 900_000 + i, 0)],
        ['member', g.members],
      ],
    };
  }
  return {
    dn: g.dn,
    attributes: [
      ['objectClass', ['top', 'groupOfNames']],
      ['cn', g.cn],
      ['member', g.members],
    ],
  };
}

// RFC 2849: a value is written as is when it is a SAFE-STRING, otherwise base64 (`attr:: …`)
function isSafeString(v: string): boolean {
  if (v === '') return true;
  const first = v.charCodeAt(0);
  if (first === 0x20 || first === 0x3a || first === 0x3c || v.endsWith(' ')) return false;
  for (let k = 0; k < v.length; k++) {
    const c = v.charCodeAt(k);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}
function ldifLine(name: string, v: LdapValue): string {
  if (typeof v === 'string' && isSafeString(v)) return `${name}: ${v}\n`;
  return `${name}:: ${(typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64')}\n`;
}

/** An entry as LDIF (a content record; `changetype: add` when `asChange`). */
export function entryToLdif(e: LdapEntry, asChange = false): string {
  let s = ldifLine('dn', e.dn);
  if (asChange) s += 'changetype: add\n';
  for (const [name, value] of e.attributes) for (const v of Array.isArray(value) ? value : [value]) s += ldifLine(name, v);
  return `${s}\n`;
}

/** An LDIF change record replacing (value) or removing (null: whether or not the entry has it) attributes of one entry. */
export function modifyLdif(dn: string, changes: Record<string, LdapValue | LdapValue[] | null>): string {
  let s = `${ldifLine('dn', dn)}changetype: modify\n`;
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) s += `replace: ${name}\n-\n`;
    else {
      s += `replace: ${name}\n`;
      for (const v of Array.isArray(value) ? value : [value]) s += ldifLine(name, v);
      s += '-\n';
    }
  }
  return `${s}\n`;
}

export const deleteLdif = (dn: string) => `${ldifLine('dn', dn)}changetype: delete\n\n`;

function withTimestamps(e: LdapEntry, i: number): LdapEntry {
  const t = `${GENERALIZED(new Date(Date.UTC(2020, 0, 1) + i * 60_000)).slice(0, 14)}Z`;
  e.attributes.push(['createTimestamp', t], ['modifyTimestamp', t]);
  return e;
}

/** Every entry of the directory, in an order slapadd accepts (parents first). */
export function* directoryEntries(opts: DirectoryOptions = {}): Generator<LdapEntry> {
  const o = resolveDirectoryOptions(opts);
  const dc = /^dc=([^,]+)/i.exec(o.baseDn)?.[1] ?? 'kdesk';
  yield {
    dn: o.baseDn,
    attributes: [
      ['objectClass', ['top', 'dcObject', 'organization']],
      ['dc', dc],
      ['o', 'Kdesk Test Corp'],
    ],
  };
  yield {
    dn: staffDn(o),
    attributes: [
      ['objectClass', ['top', 'organizationalUnit']],
      ['ou', 'Staff'],
    ],
  };
  yield {
    dn: peopleDn(o),
    attributes: [
      ['objectClass', ['top', 'organizationalUnit']],
      ['ou', 'People'],
    ],
  };
  yield {
    dn: groupsDn(o),
    attributes: [
      ['objectClass', ['top', 'organizationalUnit']],
      ['ou', 'Groups'],
    ],
  };
  // slapadd keeps operational timestamps it is given: the people look years old, so a modifyTimestamp filter
  // finds only what a test changed (slapd stamps the current time on every later change)
  for (let i = 0; i < o.adUsers; i++) yield withTimestamps(adUserEntry(o, i), i);
  for (let i = 0; i < o.openLdapUsers; i++) yield withTimestamps(openLdapUserEntry(o, i), i);
  for (const [i, g] of directoryGroups(o).entries()) yield groupEntry(o, g, i);
}

export interface DirectorySummary {
  options: Resolved;
  entries: number;
  adUsers: number;
  adDisabled: number;
  adWithoutMail: number;
  openLdapUsers: number;
  groups: number;
}

/** Writes the directory as LDIF to `file` (streamed: 100,000 users never sit in memory as text). */
export async function writeDirectoryLdif(file: string, opts: DirectoryOptions = {}): Promise<DirectorySummary> {
  const o = resolveDirectoryOptions(opts);
  const out = createWriteStream(file);
  let entries = 0;
  let chunk = '';
  for (const e of directoryEntries(o)) {
    entries++;
    chunk += entryToLdif(e);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  let adDisabled = 0;
  let adWithoutMail = 0;
  for (let i = 0; i < o.adUsers; i++) {
    if (isDisabled(i)) adDisabled++;
    if (!hasMail(i)) adWithoutMail++;
  }
  return {
    options: o,
    entries,
    adUsers: o.adUsers,
    adDisabled,
    adWithoutMail,
    openLdapUsers: o.openLdapUsers,
    groups: directoryGroups(o).length,
  };
}
