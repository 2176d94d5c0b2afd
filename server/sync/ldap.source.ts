// The LDAP / Active Directory source of Contact Sync (ldapts): bind (ldap://, ldaps://, StartTLS),
// paged search (RFC 2696) of the people in scope, scope "all", "list" (members of groups, nested
// groups, `member;range=` slices of big AD groups; membership read once per run) and "pattern"
// (a filter and/or a base DN), objectGUID as canonical GUID text or entryUUID as the id, binary
// attributes decoded, userAccountControl ACCOUNTDISABLE, incremental reads by modifyTimestamp or
// uSNChanged (+ invocationId), and Test connection that says in plain words what is wrong.
import type { ConnectionOptions } from 'node:tls';
import { Client, FilterParser, type Entry } from 'ldapts';
import type { LdapSettings, SyncScope, SyncTestResult } from '#shared/sync.ts';
import {
  andFilters,
  baseAttribute,
  changedSinceFilter,
  decodeBinary,
  explainLdapError,
  filterSyntaxError,
  guidFromBytes,
  isAccountDisabled,
  isBinaryAttribute,
  isDnUnder,
  nextModifyWatermark,
  normalizeDn,
  parseRange,
  watermarkUsable,
  BINARY_ATTRIBUTES,
  type Problem,
  type Watermark,
} from './ldap.rules.ts';
import { DirectoryError, type DirectoryEntry, type DirectoryReadOptions, type DirectorySource, type DirectoryStart } from './source.ts';

export type { DirectoryEntry, DirectorySource, DirectoryReadOptions, DirectoryStart } from './source.ts';
export { DirectoryError } from './source.ts';

/** The settings of an LDAP connection with its secret in clear (decrypted for this use only). */
export type LdapConnectionSettings = Omit<LdapSettings, 'bindPassword'> & { bindPassword?: string | null };

/** Most groups a list scope may expand to (nested included): a cycle or a runaway nesting stops here. */
const MAX_GROUPS = 10_000;
/** Test connection counts people up to this many. */
const TEST_COUNT_LIMIT = 1000;

const GROUP_FILTER = '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=groupOfURLs))';
const MEMBER_ATTRIBUTES = ['member', 'uniqueMember'];

function tlsOptions(s: LdapConnectionSettings): ConnectionOptions {
  return {
    rejectUnauthorized: s.tls.rejectUnauthorized,
    ...(s.tls.ca ? { ca: s.tls.ca } : {}),
    ...(() => {
      try {
        return { servername: new URL(s.url).hostname };
      } catch {
        return {};
      }
    })(),
  };
}

/** A connected, bound client; throws DirectoryError in plain words. */
async function connect(s: LdapConnectionSettings): Promise<Client> {
  const client = new Client({
    url: s.url.replace(/\/$/, ''),
    timeout: s.timeoutSeconds * 1000,
    connectTimeout: Math.min(s.timeoutSeconds, 15) * 1000,
    // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://
    ...(s.url.toLowerCase().startsWith('ldaps://') ? { tlsOptions: tlsOptions(s) } : {}),
    strictDN: false,
  });
  try {
    if (s.tls.startTls && s.url.toLowerCase().startsWith('ldap://')) await client.startTLS(tlsOptions(s));
    if (s.bindDn) await client.bind(s.bindDn, s.bindPassword ?? '');
    else await client.bind('', '');
  } catch (err) {
    await client.unbind().catch(() => {});
    throw new DirectoryError(explainLdapError(err, 'bind', { url: s.url, bindDn: s.bindDn }), { cause: err });
  }
  return client;
}

/** One entry's attributes as text, keys lower-cased; binary ones decoded. */
export function entryAttributes(e: Entry): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k in e) {
    if (k === 'dn' || !Object.hasOwn(e, k)) continue;
    const v = e[k];
    const list = Array.isArray(v) ? v : [v];
    // ldapts answers [] for a requested attribute the entry does not have: absent, like the directory says
    if (list.length === 0) continue;
    const name = attributeName(k);
    const values: string[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      values[i] = Buffer.isBuffer(x) ? (name.binary ? decodeBinary(k, x) : x.toString('utf8')) : String(x);
    }
    out[name.lower] = values;
  }
  return out;
}
/** An attribute name's lower-cased spelling and whether its values are bytes (a run meets the same few names 100,000 times). */
const attributeNames = new Map<string, { lower: string; binary: boolean }>();
function attributeName(k: string): { lower: string; binary: boolean } {
  let n = attributeNames.get(k);
  if (!n) {
    n = { lower: k.toLowerCase(), binary: isBinaryAttribute(k) };
    // bounded: names come from the directory's answers
    if (attributeNames.size >= 1000) attributeNames.clear();
    attributeNames.set(k, n);
  }
  return n;
}

/** The stable id of an entry: objectGUID → GUID text; entryUUID and others lower-cased text. */
export function syncIdOf(e: Entry, idAttribute: string): string {
  const key = Object.keys(e).find((k) => k.toLowerCase() === idAttribute.toLowerCase());
  if (!key) return '';
  const raw = e[key];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined) return '';
  if (Buffer.isBuffer(v)) {
    if (idAttribute.toLowerCase() === 'objectguid' && v.length === 16) return guidFromBytes(v);
    return isBinaryAttribute(idAttribute) ? decodeBinary(idAttribute, v) : v.toString('utf8').trim().toLowerCase();
  }
  return String(v).trim().toLowerCase();
}

/** Reads attributes of one entry (a base search); null when it does not exist. */
export type AttributeReader = (dn: string, attributes: string[]) => Promise<Record<string, string[]> | null>;

/**
 * The member DNs of one group, all of them: Active Directory answers at most 1,500 values of `member`
 * per request, as `member;range=0-1499`; the next slice is asked for as `member;range=1500-*` until a
 * slice ends in `*`. Other directories answer `member` whole.
 */
export async function readGroupMembers(read: AttributeReader, groupDn: string): Promise<string[] | null> {
  const first = await read(groupDn, MEMBER_ATTRIBUTES);
  if (!first) return null;
  const out: string[] = [];
  let pending: { attribute: string; next: number }[] = [];
  const take = (attrs: Record<string, string[]>) => {
    for (const [name, values] of Object.entries(attrs)) {
      const base = baseAttribute(name).toLowerCase();
      if (base !== 'member' && base !== 'uniquemember') continue;
      // groupOfUniqueNames values may end in #'0101'B (an optional UID): the DN is before it
      for (const v of values) out.push(base === 'uniquemember' ? v.replace(/#'[01]*'B$/, '') : v);
      const r = parseRange(name);
      if (r && r.end !== null) pending.push({ attribute: r.attribute, next: r.end + 1 });
    }
  };
  take(first);
  // AD answers an empty `member` with `member;range=0-*`; more than 1,500 values in slices
  for (let guard = 0; pending.length && guard < 100_000; guard++) {
    const asks = pending;
    pending = [];
    for (const a of asks) {
      const slice = await read(groupDn, [`${a.attribute};range=${a.next}-*`]);
      if (slice) take(slice);
    }
  }
  return out;
}

/**
 * Everyone in the chosen groups, nested groups followed (cycles stop), as normalised DNs. `groupDns`:
 * the DNs of all groups of the directory (so a member that is a group is expanded, not taken as a person).
 */
export async function resolveMembership(
  read: AttributeReader,
  chosen: string[],
  isGroup: (normalizedDn: string) => boolean,
): Promise<{ members: Set<string>; missing: string[] }> {
  const members = new Set<string>();
  const seen = new Set<string>();
  const missing: string[] = [];
  const queue = chosen.map((dn, i) => ({ dn, top: i }));
  while (queue.length) {
    const { dn, top } = queue.shift()!;
    const key = normalizeDn(dn);
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > MAX_GROUPS) break;
    const list = await readGroupMembers(read, dn);
    if (list === null) {
      if (top >= 0) missing.push(dn);
      continue;
    }
    for (const m of list) {
      const mk = normalizeDn(m);
      if (isGroup(mk)) queue.push({ dn: m, top: -1 });
      else members.add(mk);
    }
  }
  return { members, missing };
}

function readerOf(client: Client): AttributeReader {
  return async (dn, attributes) => {
    try {
      const r = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
      const e = r.searchEntries[0];
      return e ? entryAttributes(e) : null;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchObjectError') return null;
      throw err;
    }
  };
}

interface RootDse {
  namingContexts: string[];
  directory: DirectoryStart['directory'];
  highestCommittedUSN: string | null;
  dsServiceName: string | null;
}

async function readRootDse(client: Client): Promise<RootDse> {
  try {
    const r = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [
        'namingContexts',
        'supportedCapabilities',
        'structuralObjectClass',
        'vendorName',
        'highestCommittedUSN',
        'dsServiceName',
        'objectClass',
      ],
    });
    const a = r.searchEntries[0] ? entryAttributes(r.searchEntries[0]) : {};
    const caps = a.supportedcapabilities ?? [];
    const directory = caps.includes('1.2.840.113556.1.4.800')
      ? 'active-directory'
      : (a.structuralobjectclass ?? []).some((c) => /openldap/i.test(c)) || (a.objectclass ?? []).some((c) => /openldap/i.test(c))
        ? 'openldap'
        : 'other';
    return {
      namingContexts: a.namingcontexts ?? [],
      directory,
      highestCommittedUSN: a.highestcommittedusn?.[0] ?? null,
      dsServiceName: a.dsservicename?.[0] ?? null,
    };
  } catch {
    return { namingContexts: [], directory: null, highestCommittedUSN: null, dsServiceName: null };
  }
}

/** The search base and filter of the connection's scope (list mode filters by membership on top). */
export function searchPlan(s: LdapConnectionSettings, scope: SyncScope, since: Watermark | null | undefined) {
  const base = scope.mode === 'pattern' && scope.pattern?.baseDn ? scope.pattern.baseDn : s.baseDn;
  const filter = andFilters(s.userFilter, scope.mode === 'pattern' ? scope.pattern?.filter : null, changedSinceFilter(since ?? null));
  return { base, filter };
}

/** Checks that a filter parses (RFC 4515); the problem in plain words otherwise. */
export function filterProblem(filter: string, field: string): Problem | null {
  const syntax = filterSyntaxError(filter);
  if (syntax) return { code: 'filter', message: `The filter "${filter}" is not valid: ${syntax}.`, field };
  try {
    FilterParser.parseString(andFilters(filter));
    return null;
  } catch (err) {
    return { code: 'filter', message: `The filter "${filter}" is not valid: ${(err as Error).message.replace(/\.$/, '')}.`, field };
  }
}

export interface LdapSourceOptions {
  settings: LdapConnectionSettings;
  scope: SyncScope;
  /** Directory attributes the mapping reads (the id, account state and change marker are added). */
  attributes: string[];
}

export function createLdapSource(opts: LdapSourceOptions): Omit<DirectorySource, 'nextWatermark'> & { nextWatermark(): Watermark | null } {
  const s = opts.settings;
  let client: Client | null = null;
  let started: DirectoryStart | null = null;
  let membership: Set<string> | null = null;
  let newestChange: string | null = null;
  let startedAt = new Date();
  let completed = false;
  let lastReadFull = true;

  const ctx = { url: s.url, bindDn: s.bindDn, baseDn: s.baseDn, filter: s.userFilter };
  const markerAttribute = s.incremental === 'none' ? null : s.incremental;
  const requested = [
    ...new Set(
      [...opts.attributes.map(baseAttribute), s.idAttribute, 'userAccountControl', ...(markerAttribute ? [markerAttribute] : [])].filter(
        Boolean,
      ),
    ),
  ];
  const buffers = [...new Set([...BINARY_ATTRIBUTES, s.idAttribute])].filter((a) =>
    requested.some((r) => r.toLowerCase() === a.toLowerCase()),
  );

  async function invocationIdOf(c: Client, dsServiceName: string | null): Promise<string | null> {
    if (!dsServiceName) return null;
    try {
      const r = await c.search(dsServiceName, { scope: 'base', attributes: ['invocationId'], explicitBufferAttributes: ['invocationId'] });
      const v = r.searchEntries[0]?.invocationId;
      const b = Array.isArray(v) ? v[0] : v;
      return Buffer.isBuffer(b) && b.length === 16 ? guidFromBytes(b) : null;
    } catch {
      return null;
    }
  }

  async function start(): Promise<DirectoryStart> {
    if (started) return started;
    startedAt = new Date();
    client = await connect(s);
    const root = await readRootDse(client);
    // the base DN must exist: a typo would otherwise read as "nobody in scope"
    try {
      await client.search(s.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    } catch (err) {
      throw new DirectoryError(explainLdapError(err, 'baseDn', ctx), { cause: err });
    }
    let invocationId: string | null = null;
    let watermarkAtStart: Watermark | null = null;
    if (s.incremental === 'uSNChanged' && root.highestCommittedUSN) {
      invocationId = await invocationIdOf(client, root.dsServiceName);
      watermarkAtStart = { kind: 'uSNChanged', value: root.highestCommittedUSN, invocationId, dsServiceName: root.dsServiceName };
    }
    if (opts.scope.mode === 'list') membership = await readMembership(client, root);
    started = { watermarkAtStart, invocationId, directory: root.directory };
    return started;
  }

  async function readMembership(c: Client, root: RootDse): Promise<Set<string>> {
    const groups = opts.scope.groups ?? [];
    // the group DNs of the directory (to tell a nested group from a person), under the contexts that hold the chosen groups
    const bases = new Set<string>();
    for (const g of groups) bases.add(root.namingContexts.find((nc) => isDnUnder(g, nc)) ?? s.baseDn);
    const groupSet = new Set<string>();
    try {
      for (const base of bases) {
        for await (const page of c.searchPaginated(base, {
          scope: 'sub',
          filter: GROUP_FILTER,
          attributes: ['1.1'],
          paged: { pageSize: s.pageSize },
        })) {
          for (const e of page.searchEntries) groupSet.add(normalizeDn(e.dn));
        }
      }
    } catch (err) {
      throw new DirectoryError(explainLdapError(err, 'scope', { ...ctx, group: groups[0] }), { cause: err });
    }
    const read = readerOf(c);
    let result: Awaited<ReturnType<typeof resolveMembership>>;
    try {
      result = await resolveMembership(read, groups, (dn) => groupSet.has(dn));
    } catch (err) {
      throw new DirectoryError(explainLdapError(err, 'scope', { ...ctx, group: groups[0] }), { cause: err });
    }
    if (result.missing.length) {
      throw new DirectoryError({
        code: 'group',
        message: `The group "${result.missing[0]}" does not exist in the directory.`,
        field: 'scope.groups',
      });
    }
    return result.members;
  }

  function toEntry(e: Entry): DirectoryEntry {
    const attributes = entryAttributes(e);
    const syncId = syncIdOf(e, s.idAttribute);
    const marker = markerAttribute ? (attributes[markerAttribute.toLowerCase()]?.[0] ?? null) : null;
    return {
      syncId,
      dn: e.dn,
      attributes,
      disabled: isAccountDisabled(attributes.useraccountcontrol?.[0]),
      changeMarker: marker,
      ...(syncId ? {} : { error: `The entry has no ${s.idAttribute} (the stable id this connection uses)` }),
    };
  }

  async function* pages(o: DirectoryReadOptions = {}): AsyncGenerator<DirectoryEntry[]> {
    await start();
    const c = client!;
    // a watermark of another mode, or of another domain controller database (uSNChanged: invocationId), says
    // nothing about this directory: read everyone (safe: a full read misses nothing)
    const since = o.since && o.since.kind !== 'delta' && watermarkUsable(o.since, s.incremental, started!.invocationId) ? o.since : null;
    lastReadFull = since === null;
    const { base, filter } = searchPlan(s, opts.scope, since);
    const fp = filterProblem(filter, 'settings.userFilter');
    if (fp) throw new DirectoryError(fp);
    let count = 0;
    // the limit is a page size too, so a preview does not read a whole page of 500 to show 20
    const pageSize = o.limit && !membership ? Math.min(s.pageSize, o.limit + 1) : s.pageSize;
    const it = c.searchPaginated(base, {
      scope: 'sub',
      filter,
      attributes: requested,
      explicitBufferAttributes: buffers,
      paged: { pageSize },
    });
    try {
      for (;;) {
        let page: IteratorResult<{ searchEntries: Entry[] }>;
        try {
          page = await it.next();
        } catch (err) {
          const step = (err as { name?: string }).name === 'NoSuchObjectError' ? 'baseDn' : 'users';
          throw new DirectoryError(explainLdapError(err, step, { ...ctx, baseDn: base, filter }), { cause: err });
        }
        if (page.done) break;
        if (o.signal?.aborted) throw o.signal.reason ?? new Error('Aborted');
        const out: DirectoryEntry[] = [];
        for (const e of page.value.searchEntries) {
          if (membership && !membership.has(normalizeDn(e.dn))) continue;
          const entry = toEntry(e);
          if (entry.changeMarker && markerAttribute === 'modifyTimestamp' && (!newestChange || entry.changeMarker > newestChange)) {
            newestChange = entry.changeMarker;
          }
          out.push(entry);
          count++;
          if (o.limit !== undefined && count >= o.limit) break;
        }
        if (out.length) yield out;
        if (o.limit !== undefined && count >= o.limit) return;
      }
      completed = true;
    } finally {
      await it.return?.(undefined).catch(() => {});
    }
  }

  return {
    start,
    pages,
    async *entries(o: DirectoryReadOptions = {}) {
      for await (const page of pages(o)) yield* page;
    },
    readEveryone() {
      return lastReadFull;
    },
    nextWatermark() {
      if (!completed) return null;
      if (s.incremental === 'uSNChanged') return started?.watermarkAtStart ?? null;
      if (s.incremental === 'modifyTimestamp') return nextModifyWatermark(newestChange, startedAt);
      return null;
    },
    async close() {
      const c = client;
      client = null;
      if (c) await c.unbind().catch(() => {});
    },
  };
}

/**
 * Test connection: connect, bind, read the base DN, check the filter and the scope, count the people in
 * scope (up to 1,000). Never throws: the result says what is wrong in plain words.
 */
export async function testLdapConnection(s: LdapConnectionSettings, scope: SyncScope, attributes: string[]): Promise<SyncTestResult> {
  const steps: SyncTestResult['steps'] = [];
  const where = (() => {
    try {
      const u = new URL(s.url);
      return `${u.hostname}:${u.port || (u.protocol === 'ldaps:' ? 636 : 389)}`;
    } catch {
      return s.url;
    }
  })();
  const fail = (problem: Problem, directory: SyncTestResult['directory'] = null): SyncTestResult => ({
    ok: false,
    problem,
    steps,
    directory,
    usersFound: 0,
    countIsLowerBound: false,
  });

  // filters are checked before any network work: a typo is named at once
  const ufp = filterProblem(s.userFilter, 'settings.userFilter');
  if (ufp) return fail(ufp);
  if (scope.mode === 'pattern' && scope.pattern?.filter) {
    const pfp = filterProblem(scope.pattern.filter, 'scope.pattern.filter');
    if (pfp) return fail(pfp);
  }

  let client: Client;
  try {
    client = await connect(s);
  } catch (err) {
    const p = (err as DirectoryError).problem ?? explainLdapError(err, 'bind', { url: s.url, bindDn: s.bindDn });
    const connected = !['unreachable', 'tls'].includes(p.code);
    steps.push({ step: 'connect', ok: connected, message: connected ? `Connected to ${where}` : p.message });
    if (connected) steps.push({ step: 'bind', ok: false, message: p.message });
    return fail(p);
  }
  steps.push({
    step: 'connect',
    ok: true,
    message: `Connected to ${where}${s.url.startsWith('ldaps') || s.tls.startTls ? ' over TLS' : ''}`,
  });
  steps.push({ step: 'bind', ok: true, message: s.bindDn ? `Signed in as ${s.bindDn}` : 'Signed in anonymously' });
  let directory: SyncTestResult['directory'];
  try {
    const root = await readRootDse(client);
    directory = root.directory;
    try {
      await client.search(s.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
      steps.push({ step: 'baseDn', ok: true, message: `Found the base DN ${s.baseDn}` });
    } catch (err) {
      const p = explainLdapError(err, 'baseDn', { url: s.url, bindDn: s.bindDn, baseDn: s.baseDn });
      steps.push({ step: 'baseDn', ok: false, message: p.message });
      return fail(p, directory);
    }
    if (scope.mode === 'pattern' && scope.pattern?.baseDn) {
      try {
        await client.search(scope.pattern.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
      } catch (err) {
        const p = explainLdapError(err, 'baseDn', { url: s.url, bindDn: s.bindDn, baseDn: scope.pattern.baseDn });
        p.field = 'scope.pattern.baseDn';
        steps.push({ step: 'scope', ok: false, message: p.message });
        return fail(p, directory);
      }
    }
  } finally {
    await client.unbind().catch(() => {});
  }

  // the people in scope, read as a run reads them (group membership included), counted up to a limit
  const source = createLdapSource({ settings: s, scope, attributes });
  let found = 0;
  let withoutId = 0;
  try {
    await source.start();
    if (scope.mode === 'list')
      steps.push({ step: 'scope', ok: true, message: `Read the members of ${scope.groups?.length ?? 0} group(s)` });
    for await (const page of source.pages({ limit: TEST_COUNT_LIMIT + 1 })) {
      found += page.length;
      withoutId += page.filter((e) => !e.syncId).length;
    }
  } catch (err) {
    const p =
      err instanceof DirectoryError
        ? err.problem
        : explainLdapError(err, 'users', { url: s.url, bindDn: s.bindDn, baseDn: s.baseDn, filter: s.userFilter });
    steps.push({ step: p.code === 'group' ? 'scope' : p.code === 'filter' ? 'filter' : 'users', ok: false, message: p.message });
    return fail(p, directory);
  } finally {
    await source.close();
  }
  steps.push({ step: 'filter', ok: true, message: `The filter ${s.userFilter} is valid` });
  if (found === 0) {
    const message =
      scope.mode === 'list'
        ? `No users match: none of the members of the chosen groups matches the filter ${s.userFilter} under ${s.baseDn}.`
        : `No users match the filter ${searchPlan(s, scope, null).filter} under ${searchPlan(s, scope, null).base}. Check the user filter and the base DN.`;
    steps.push({ step: 'users', ok: false, message });
    return fail({ code: 'no_users', message, field: 'settings.userFilter' }, directory);
  }
  if (withoutId === found) {
    const hint = s.idAttribute.toLowerCase() === 'objectguid' ? ' (OpenLDAP: use entryUUID)' : ' (Active Directory: use objectGUID)';
    const message = `The users found have no ${s.idAttribute} attribute, so they cannot be matched between runs${hint}.`;
    steps.push({ step: 'users', ok: false, message });
    return fail({ code: 'id_attribute', message, field: 'settings.idAttribute' }, directory);
  }
  const many = found > TEST_COUNT_LIMIT;
  steps.push({ step: 'users', ok: true, message: many ? `More than ${TEST_COUNT_LIMIT} users match` : `${found} user(s) match` });
  return {
    ok: true,
    problem: null,
    steps,
    directory,
    usersFound: Math.min(found, TEST_COUNT_LIMIT),
    countIsLowerBound: many,
  };
}
