// What a run and a preview read from a directory, whatever the source (LDAP / Active Directory, Google
// Workspace, Microsoft Entra ID): people in scope as an async iterable of pages, each person with the
// directory's stable id, DN, attributes as text and whether the account is disabled.
import type { SyncProblemCode } from '#shared/sync.ts';
import type { Watermark as LdapWatermark } from './ldap.rules.ts';

/** Where an incremental run starts: an LDAP change marker, or a Graph delta link (Microsoft). */
export type Watermark = LdapWatermark | { kind: 'delta'; deltaLink: string };

export interface DirectoryEntry {
  /** The stable id: objectGUID as canonical GUID text, entryUUID, ... ('' when the entry has none: see `error`). */
  syncId: string;
  /** The DN as the directory wrote it (escapes kept). */
  dn: string;
  /** Attribute name lower-cased → its values as text; binary attributes decoded (GUIDs/SIDs as text, others base64). */
  attributes: Record<string, string[]>;
  /** Active Directory ACCOUNTDISABLE (userAccountControl bit 0x2): synced as an inactive contact. */
  disabled: boolean;
  /** modifyTimestamp or uSNChanged of the entry when an incremental mode is set. */
  changeMarker: string | null;
  /** Why this person cannot be synced (no stable id): counted as failed. */
  error?: string;
  /**
   * The person's organization as the directory names it (Entra tenant id, Google customer id): the synced
   * identity the portal's SSO matches. Set by cloud sources; it wins over a mapped directory.organizationId.
   */
  organizationId?: string | null;
  /** An incremental read says this person was deleted from the directory (Graph `@removed`): deactivated. */
  removed?: boolean;
}

export interface DirectoryReadOptions {
  /** Only entries changed since this watermark (an incremental run); absent/null: everyone in scope. */
  since?: Watermark | null;
  /** Stop after this many people (preview). */
  limit?: number;
  signal?: AbortSignal;
}

/** What a source knows before it reads people: the watermark a complete run would leave, and the directory. */
export interface DirectoryStart {
  /** The directory's change marker now (uSNChanged: highestCommittedUSN + invocationId); null when not incremental. */
  watermarkAtStart: LdapWatermark | null;
  /** The invocationId of the domain controller (uSNChanged mode): a watermark of another one is not usable. */
  invocationId: string | null;
  directory: 'active-directory' | 'openldap' | 'other' | null;
}

export interface DirectorySource {
  /** Connects, binds, reads the scope's group membership once (list mode) and what the run starts from. */
  start(): Promise<DirectoryStart>;
  /** The people in scope, a page at a time (paged search, RFC 2696); memory holds one page. */
  pages(opts?: DirectoryReadOptions): AsyncIterable<DirectoryEntry[]>;
  /** The same, one person at a time. */
  entries(opts?: DirectoryReadOptions): AsyncIterable<DirectoryEntry>;
  /**
   * Whether the last read covered everyone in scope: true without `since`, and also when `since` could not be
   * used (another incremental mode, another domain controller's invocationId) and the source read everyone.
   */
  readEveryone(): boolean;
  /** After a complete read: the watermark for the next incremental run (null when the mode is none). */
  nextWatermark(): Watermark | null;
  close(): Promise<void>;
}

/** A failure of the directory, explained in plain words (`problem.message`). */
export class DirectoryError extends Error {
  readonly problem: { code: SyncProblemCode; message: string; field: string | null };
  constructor(problem: { code: SyncProblemCode; message: string; field: string | null }, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.name = 'DirectoryError';
    this.problem = problem;
  }
}
