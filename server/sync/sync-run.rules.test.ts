import { describe, expect, it } from 'vitest';
import { emptyContact, emptyDirectory, type ContactFields } from '../contacts/contacts.rules.ts';
import {
  addCounts,
  deactivationPlan,
  dnKey,
  emptyCounts,
  planReportsTo,
  reconcile,
  type ReconcileContext,
  type StoredContact,
} from './sync-run.rules.ts';
import { syncedFieldViolations } from './synced-fields.rules.ts';
import { applyMapping, syncedFields } from './mapping.rules.ts';
import type { DirectoryEntry } from './source.ts';
import type { SyncMapping } from '#shared/sync.ts';

const CONN = '00000000-0000-4000-8000-00000000c0c0';
const MAPPING: SyncMapping = {
  firstName: 'givenName',
  lastName: 'sn',
  primaryEmail: 'mail',
  'phones.work': 'telephoneNumber',
  'directory.organizationId': 'o',
  reportsTo: 'manager',
};
/** A directory entry: attribute → value (null: absent). */
const person = (
  syncId: string,
  values: Record<string, string | null>,
  o: Partial<Pick<DirectoryEntry, 'disabled' | 'error'>> = {},
): DirectoryEntry => ({
  syncId,
  dn: `cn=${syncId},ou=people,dc=example,dc=org`,
  attributes: Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k.toLowerCase(), [v!]]),
  ),
  disabled: o.disabled ?? false,
  changeMarker: null,
  ...(o.error ? { error: o.error } : {}),
});
const stored = (id: string, fields: Partial<ContactFields>, dir: Partial<StoredContact['directory']> = {}): StoredContact => ({
  id,
  fields: { ...emptyContact(), ...fields },
  directory: { ...emptyDirectory(), ...dir },
});
let n = 0;
const ctx = (o: Partial<ReconcileContext<DirectoryEntry>> = {}, mapping: SyncMapping = MAPPING): ReconcileContext<DirectoryEntry> => ({
  connectionId: CONN,
  bySyncId: new Map(),
  byEmail: new Map(),
  newId: () => `new-${++n}`,
  apply: (p, base) => applyMapping(p, mapping, base ?? undefined),
  ...o,
});

describe('reconcile', () => {
  it('creates a new person with the mapped fields and leaves unmapped ones at their defaults', () => {
    const o = reconcile(
      [person('g1', { givenName: ' Ada ', sn: 'Lovelace', mail: 'ADA@Example.org', telephoneNumber: '+44 20 7946 0000' })],
      ctx(),
    )[0]!;
    expect(o).toMatchObject({ kind: 'create', syncId: 'g1' });
    if (o.kind !== 'create') throw new Error();
    expect(o.fields.firstName).toBe('Ada');
    expect(o.fields.primaryEmail).toBe('ada@example.org');
    expect(o.fields.phones).toEqual({ work: '+44 20 7946 0000' });
    expect(o.fields.permissions.active).toBe(true);
  });

  it('creates a person without the mapped email when they have a name, unless the mapping requires it', () => {
    const p = person('g1', { givenName: 'Ada', mail: null });
    expect(reconcile([p], ctx())[0]!.kind).toBe('create');
    const o = reconcile([p], ctx({}, { ...MAPPING, primaryEmail: { attribute: 'mail', required: true } }))[0]!;
    expect(o).toMatchObject({ kind: 'failed' });
    expect((o as { reason: string }).reason).toMatch(/primaryEmail \(mail\) is empty and the mapping requires it/);
  });

  it('fails a person the mapping could not read, or with nothing to name them by, with the reason', () => {
    const out = reconcile(
      [
        person('g1', { givenName: 'A' }, { error: 'The entry has no objectGUID' }),
        person('g2', { givenName: null }),
        person('g3', { mail: 'not-an-email' }),
      ],
      ctx(),
    );
    expect(out.map((o) => o.kind)).toEqual(['failed', 'failed', 'failed']);
    expect((out[0] as { reason: string }).reason).toMatch(/^The entry has no objectGUID/);
    expect((out[1] as { reason: string }).reason).toMatch(/no name, company or email/);
    expect((out[2] as { reason: string }).reason).toMatch(/no name, company or email/);
  });

  it('answers unchanged when nothing mapped differs, and keeps fields the mapping does not own', () => {
    const c = stored(
      'c1',
      { firstName: 'Ada', primaryEmail: 'ada@example.org', notes: 'VIP', phones: { home: '1234' } },
      { syncId: 'g1', connectionId: CONN },
    );
    const out = reconcile([person('g1', { givenName: 'Ada', mail: 'Ada@example.org' })], ctx({ bySyncId: new Map([['g1', c]]) }));
    expect(out).toEqual([{ kind: 'unchanged', syncId: 'g1', contactId: 'c1' }]);
  });

  it('updates a changed field, a disabled account (inactive) and a new organisation, with the differences', () => {
    const c = stored('c1', { firstName: 'Ada', phones: { home: '1234' } }, { syncId: 'g1', connectionId: CONN });
    const o = reconcile(
      [person('g1', { givenName: 'Ada', telephoneNumber: '5678', o: 'org-1' }, { disabled: true })],
      ctx({ bySyncId: new Map([['g1', c]]) }),
    )[0]!;
    if (o.kind !== 'update') throw new Error(o.kind);
    expect(o.after.phones).toEqual({ home: '1234', work: '5678' });
    expect(o.after.permissions.active).toBe(false);
    expect(o.changes).toMatchObject({
      phones: { before: { home: '1234' }, after: { home: '1234', work: '5678' } },
      'permissions.active': { before: true, after: false },
      'directory.organizationId': { before: null, after: 'org-1' },
    });
  });

  it('reports a conflict, never a duplicate, when a recreated person (new sync id) has a synced contact’s email', () => {
    const old = stored('c1', { firstName: 'Ada', primaryEmail: 'ada@example.org' }, { syncId: 'old-guid', connectionId: CONN });
    const out = reconcile(
      [person('new-guid', { givenName: 'Ada', mail: 'ada@example.org' })],
      ctx({ byEmail: new Map([['ada@example.org', old]]) }),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'conflict', syncId: 'new-guid', contactId: 'c1' });
    expect((out[0] as { reason: string }).reason).toMatch(/old-guid/);
  });

  it('links a person to an existing contact no directory manages when the email matches', () => {
    const manual = stored('c9', { firstName: 'Ada', primaryEmail: 'ada@example.org', notes: 'from a ticket' });
    const o = reconcile(
      [person('g1', { givenName: 'Ada', sn: 'L', mail: 'ada@example.org' })],
      ctx({ byEmail: new Map([['ada@example.org', manual]]) }),
    )[0]!;
    if (o.kind !== 'update') throw new Error(o.kind);
    expect(o.contactId).toBe('c9');
    expect(o.after.notes).toBe('from a ticket');
    expect(o.changes['directory.syncId']).toEqual({ before: null, after: 'g1' });
    expect(o.changes['directory.connectionId']).toEqual({ before: null, after: CONN });
  });

  it('refuses a person whose contact another connection manages, and an email an earlier person of the batch took', () => {
    const other = stored('c1', { firstName: 'Ada' }, { syncId: 'g1', connectionId: 'another' });
    const out = reconcile(
      [
        person('g1', { givenName: 'Ada' }),
        person('g2', { givenName: 'B', mail: 'x@example.org' }),
        person('g3', { givenName: 'C', mail: 'x@example.org' }),
      ],
      ctx({ bySyncId: new Map([['g1', other]]) }),
    );
    expect(out.map((o) => o.kind)).toEqual(['conflict', 'create', 'conflict']);
    expect((out[2] as { reason: string }).reason).toMatch(/g2/);
  });

  it('counts every person exactly once, a person answered twice included', () => {
    const people = [
      person('a', { givenName: 'A' }),
      person('b', { givenName: null }),
      person('a', { givenName: 'A' }),
      person('c', { givenName: 'C' }),
    ];
    const out = reconcile(people, ctx());
    expect(out).toHaveLength(3);
    expect(addCounts(emptyCounts(), out)).toEqual({ created: 2, updated: 0, unchanged: 0, deactivated: 0, conflicts: 0, failed: 1 });
  });
});

describe('deactivationPlan', () => {
  const base = { complete: true, full: true, leaving: 2, managed: 100, threshold: 0.2, confirmed: false };
  it('deactivates the people who left after a complete full run', () => {
    expect(deactivationPlan(base)).toEqual({ action: 'deactivate', share: 0.02 });
  });
  it('deactivates nobody after an incomplete (failed) or incremental run', () => {
    expect(deactivationPlan({ ...base, complete: false }).action).toBe('none');
    expect(deactivationPlan({ ...base, full: false }).action).toBe('none');
  });
  it('stops for a confirmation above the threshold, and goes on once confirmed', () => {
    expect(deactivationPlan({ ...base, leaving: 21 }).action).toBe('needs_confirmation');
    expect(deactivationPlan({ ...base, leaving: 20 }).action).toBe('deactivate');
    expect(deactivationPlan({ ...base, leaving: 21, confirmed: true }).action).toBe('deactivate');
    // a directory that answered nobody: everyone would leave
    expect(deactivationPlan({ ...base, leaving: 100, managed: 100 }).action).toBe('needs_confirmation');
  });
});

describe('reports-to', () => {
  it('compares DNs whatever their case, spacing and escaped commas', () => {
    expect(dnKey('CN=Smith\\, John , OU=People,DC=Example,DC=org')).toBe('cn=smith\\, john,ou=people,dc=example,dc=org');
    expect(dnKey('cn=a,dc=x')).not.toBe(dnKey('cn=a\\,dc=x'));
  });

  it('resolves managers by DN or sync id, allows cycles, clears unknown and self references, answers only changes', () => {
    const contacts = new Map([
      [dnKey('cn=A,dc=x'), { contactId: 'ca', syncId: 'a' }],
      [dnKey('cn=B,dc=x'), { contactId: 'cb', syncId: 'b' }],
      ['c', { contactId: 'cc', syncId: 'c' }],
    ]);
    const lookup = (ref: string) => contacts.get(ref.includes('=') ? dnKey(ref) : ref);
    const none = { contactId: null, syncId: null };
    const plan = planReportsTo(
      [
        { contactId: 'ca', syncId: 'a', managerRef: 'CN=B,DC=X', current: none },
        { contactId: 'cb', syncId: 'b', managerRef: 'cn=a,dc=x', current: none },
        { contactId: 'cc', syncId: 'c', managerRef: 'cn=gone,dc=x', current: { contactId: 'ca', syncId: 'a' } },
        { contactId: 'cd', syncId: 'd', managerRef: 'c', current: { contactId: 'cc', syncId: 'c' } },
        { contactId: 'cc', syncId: 'c', managerRef: 'c', current: none },
      ],
      lookup,
    );
    expect(plan).toEqual([
      { id: 'ca', before: none, after: { contactId: 'cb', syncId: 'b' } },
      { id: 'cb', before: none, after: { contactId: 'ca', syncId: 'a' } },
      { id: 'cc', before: { contactId: 'ca', syncId: 'a' }, after: none },
    ]);
  });
});

describe('synced fields', () => {
  it('refuses a change of a mapped field (and of active), naming the connection; echoes and other fields pass', () => {
    const paths = syncedFields({
      firstName: 'givenName',
      primaryEmail: 'mail',
      'phones.work': 'telephoneNumber',
      'address.city': 'l',
      reportsTo: 'manager',
    });
    const before = { ...emptyContact(), givenName: 'Ada', phones: { work: '1', home: '2' } };
    expect(syncedFieldViolations(before, structuredClone(before), paths, 'Corp AD')).toEqual([]);
    expect(syncedFieldViolations(before, { ...before, notes: 'x', phones: { work: '1', home: '3' } }, paths, 'Corp AD')).toEqual([]);
    const v = syncedFieldViolations(
      before,
      { ...before, firstName: 'Eve', phones: { home: '2' }, permissions: { ...before.permissions, active: false } },
      paths,
      'Corp AD',
    );
    expect(v.map((d) => d.path)).toEqual(['firstName', 'phones.work', 'permissions.active']);
    expect(v[0]!.message).toMatch(/"Corp AD"/);
  });
});
