// Pure LDAP/Active Directory rules of Contact Sync: canonical ids from binary attributes, DN
// normalisation (escaped characters compare equal however the directory wrote them), filters,
// `member;range=` descriptions, watermarks and the plain-words explanation of a failure. No I/O.
import type { SyncProblemCode } from '#shared/sync.ts';

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Active Directory's objectGUID (16 bytes, first three groups little-endian) as canonical GUID text. */
export function guidFromBytes(b: Buffer): string {
  if (b.length !== 16) throw new Error(`A GUID has 16 bytes, got ${b.length}`);
  const h = (i: number) => HEX_BYTE[b[i]!]!;
  // one string per GUID (read once per person per run): no intermediate buffers
  return (
    h(3) +
    h(2) +
    h(1) +
    h(0) +
    '-' +
    h(5) +
    h(4) +
    '-' +
    h(7) +
    h(6) +
    '-' +
    h(8) +
    h(9) +
    '-' +
    h(10) +
    h(11) +
    h(12) +
    h(13) +
    h(14) +
    h(15)
  );
}

/** A Windows security identifier (objectSid) as S-1-5-21-... text. */
export function sidFromBytes(b: Buffer): string {
  if (b.length < 8) throw new Error('A SID has at least 8 bytes');
  const count = b[1]!;
  let authority = 0n;
  for (let i = 2; i < 8; i++) authority = (authority << 8n) | BigInt(b[i]!);
  const subs: number[] = [];
  for (let i = 0; i < count && 8 + i * 4 + 4 <= b.length; i++) subs.push(b.readUInt32LE(8 + i * 4));
  return ['S', b[0], authority.toString(), ...subs].join('-');
}

/** Attributes whose values are bytes, not text: decoded to canonical text (ids) or base64 (photos, certificates). */
export const BINARY_ATTRIBUTES = [
  'objectGUID',
  'objectSid',
  'msExchMailboxGuid',
  'thumbnailPhoto',
  'jpegPhoto',
  'userCertificate',
  'photo',
];
const BINARY_LOWER = new Set(BINARY_ATTRIBUTES.map((a) => a.toLowerCase()));
export const isBinaryAttribute = (name: string) => BINARY_LOWER.has(baseAttribute(name).toLowerCase());

export function decodeBinary(name: string, value: Buffer): string {
  const n = baseAttribute(name).toLowerCase();
  if ((n === 'objectguid' || n === 'msexchmailboxguid') && value.length === 16) return guidFromBytes(value);
  if (n === 'objectsid') return sidFromBytes(value);
  return value.toString('base64');
}

/** `member;range=0-1499` → member */
export const baseAttribute = (name: string) => name.split(';')[0]!;

/** `member;range=1500-2999` → { start: 1500, end: 2999 }; `member;range=3000-*` → end null (the last slice). */
export function parseRange(name: string): { attribute: string; start: number; end: number | null } | null {
  const m = /^([^;]+)(?:;[^;]+)*;range=(\d+)-(\d+|\*)$/i.exec(name);
  if (!m) return null;
  return { attribute: m[1]!, start: Number(m[2]), end: m[3] === '*' ? null : Number(m[3]) };
}

// ---------------------------------------------------------------- DNs

const HEX2 = /^[0-9a-f]{2}$/i;

/** Splits `s` on unescaped `sep`, keeping escapes as they are. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The value of an attribute-value pair without its escapes (`\,` `\2C` `"..."`), as UTF-8 text. */
export function unescapeDnValue(raw: string): string {
  let v = raw.trim();
  if (!v.includes('\\') && !v.startsWith('"')) return v;
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\' && i + 1 < v.length) {
      const pair = v.slice(i + 1, i + 3);
      if (HEX2.test(pair)) {
        bytes.push(parseInt(pair, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(v[i + 1]!, 'utf8'));
        i += 1;
      }
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes a value for a DN (RFC 4514). */
export function escapeDnValue(v: string): string {
  let out = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * One spelling of a DN for comparing: attribute types and values lower-cased, escapes resolved and
 * re-applied one way, spaces around separators dropped, multi-valued RDNs sorted. `CN=Smith\, John,OU=x`
 * and `cn=smith\2c john, ou=X` are the same DN.
 */
export function normalizeDn(dn: string): string {
  // a run asks for the same DNs again and again (a person's own, and their manager's for each report)
  const hit = dnCache.get(dn);
  if (hit !== undefined) return hit;
  const out = normalizeDnUncached(dn);
  if (dnCache.size >= DN_CACHE_SIZE) dnCache.clear();
  dnCache.set(dn, out);
  return out;
}
/** DNs remembered by normalizeDn (bounded: cleared when full). */
const DN_CACHE_SIZE = 20_000;
const dnCache = new Map<string, string>();
function normalizeDnUncached(dn: string): string {
  if (!dn.trim()) return '';
  return splitUnescaped(dn, ',')
    .map((rdn) =>
      splitUnescaped(rdn, '+')
        .map((ava) => {
          const eq = ava.indexOf('=');
          if (eq < 0) return ava.trim().toLowerCase();
          const type = ava.slice(0, eq).trim().toLowerCase();
          return `${type}=${escapeDnValue(unescapeDnValue(ava.slice(eq + 1)).toLowerCase())}`;
        })
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Is `dn` the same as or below `base`? (both normalised) */
export function isDnUnder(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return b === '' || d === b || d.endsWith(`,${b}`);
}

// ---------------------------------------------------------------- filters

/** Escapes a value for an LDAP filter (RFC 4515). */
export const escapeFilterValue = (v: string) => v.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * What is wrong with an LDAP filter (RFC 4515), in plain words; null when it is well formed. Stricter than
 * ldapts's parser, which lets an unclosed `(&(a=b)(c=d)` through.
 */
export function filterSyntaxError(input: string): string | null {
  const f = wrapFilter(input);
  let i = 0;
  const ATTR = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*/;
  const fail = (m: string): never => {
    throw new Error(m);
  };
  const value = (allowStar: boolean) => {
    const start = i;
    while (i < f.length && f[i] !== ')') {
      const c = f[i]!;
      if (c === '(') fail(`an unescaped "(" in a value at position ${i + 1} (write \\28)`);
      if (c === '*' && !allowStar) fail(`"*" is not allowed in this value at position ${i + 1} (write \\2a)`);
      if (c === '\\') {
        if (!/^[0-9a-fA-F]{2}$/.test(f.slice(i + 1, i + 3)))
          fail(`"\\" must be followed by two hex digits at position ${i + 1} (e.g. \\2a for *)`);
        i += 3;
      } else i++;
    }
    return f.slice(start, i);
  };
  const item = () => {
    const rest = f.slice(i);
    const attr = ATTR.exec(rest)?.[0] ?? '';
    if (!attr && !rest.startsWith(':')) fail(`"${rest.slice(0, 20).replace(/\).*$/, '')}" does not start with an attribute name`);
    i += attr.length;
    if (f.startsWith(':', i)) {
      // extensible match: attr[:dn][:rule]:=value
      const m = /^(?::dn)?(?::(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+))?:=/i.exec(f.slice(i));
      if (!m) fail(`a malformed extensible match after "${attr}"`);
      i += m![0].length;
      value(false);
      return;
    }
    const op = /^(~=|>=|<=|=)/.exec(f.slice(i))?.[0];
    if (!op) fail(`"${attr}" must be followed by =, ~=, >= or <=`);
    i += op!.length;
    const v = value(op === '=');
    if (op !== '=' && v === '') fail(`a value is missing after ${attr}${op}`);
  };
  const filter = (): void => {
    if (f[i] !== '(') fail(i >= f.length ? 'a filter is missing' : `"(" expected at position ${i + 1}`);
    i++;
    const c = f[i];
    if (c === '&' || c === '|') {
      i++;
      while (f[i] === '(') filter();
    } else if (c === '!') {
      i++;
      filter();
    } else item();
    if (f[i] !== ')') fail(i >= f.length ? 'a closing parenthesis ")" is missing' : `")" expected at position ${i + 1}`);
    i++;
  };
  try {
    filter();
    if (i < f.length) fail(`unexpected text after the filter: "${f.slice(i, i + 20)}"`);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A filter with its outer parentheses (`objectClass=person` → `(objectClass=person)`). */
export function wrapFilter(f: string): string {
  const t = f.trim();
  return t.startsWith('(') ? t : `(${t})`;
}

/** The ANDed filter of the given parts (empty ones skipped). */
export function andFilters(...parts: (string | null | undefined)[]): string {
  const list = parts.filter((p): p is string => Boolean(p && p.trim())).map(wrapFilter);
  if (list.length === 0) return '(objectClass=*)';
  return list.length === 1 ? list[0]! : `(&${list.join('')})`;
}

// ---------------------------------------------------------------- account state and watermarks

/** userAccountControl with the ACCOUNTDISABLE bit (0x2). */
export function isAccountDisabled(userAccountControl: string | undefined): boolean {
  if (!userAccountControl) return false;
  const n = Number(userAccountControl);
  return Number.isFinite(n) && (n & 2) === 2;
}

/** Where an incremental run starts: entries changed at or after `value` (modifyTimestamp), or above it (uSNChanged). */
export type Watermark =
  | { kind: 'modifyTimestamp'; value: string }
  | { kind: 'uSNChanged'; value: string; invocationId: string | null; dsServiceName?: string | null };

/** LDAP GeneralizedTime (UTC): 20261206203000Z */
export function generalizedTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Parses GeneralizedTime (`20261206203000Z`, `20261206203000.0Z`, `20261206203000.123Z`); null when it is not one. */
export function parseGeneralizedTime(v: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})$/.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi = '00', s = '00', frac = '0', tz] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (tz !== 'Z') {
    const sign = tz!.startsWith('-') ? -1 : 1;
    t -= sign * (Number(tz!.slice(1, 3)) * 60 + Number(tz!.slice(3, 5))) * 60_000;
  }
  return Number.isNaN(t) ? null : new Date(t);
}

/** The filter part that selects entries changed since the watermark (null: everyone). */
export function changedSinceFilter(w: Watermark | null): string | null {
  if (!w) return null;
  if (w.kind === 'modifyTimestamp') return `(modifyTimestamp>=${escapeFilterValue(w.value)})`;
  if (!/^\d+$/.test(w.value)) return null;
  return `(uSNChanged>=${(BigInt(w.value) + 1n).toString()})`;
}

/**
 * The watermark a run leaves for the next incremental run.
 * modifyTimestamp: the newest change seen, but never later than when the run started by the directory's
 * clock (an entry changed during the run after it was read is then read again next time — harmless, the
 * writes are idempotent); when the directory does not tell its time, kdesk's clock minus `skewMs`.
 * uSNChanged: the directory's highestCommittedUSN read before the run (AD), with its invocationId: when
 * the invocationId differs next time (another domain controller, a restore), the next run must be full.
 */
export function nextModifyWatermark(newestSeen: string | null, startedAt: Date, skewMs = 5 * 60_000): Watermark | null {
  const cap = new Date(startedAt.getTime() - skewMs);
  const seen = newestSeen ? parseGeneralizedTime(newestSeen) : null;
  const t = seen && seen < cap ? seen : cap;
  return { kind: 'modifyTimestamp', value: generalizedTime(t) };
}

/** A watermark is usable for this connection (same kind, same domain controller database). */
export function watermarkUsable(
  w: Watermark | null,
  incremental: 'none' | 'modifyTimestamp' | 'uSNChanged',
  invocationId: string | null,
): boolean {
  if (!w || incremental === 'none' || w.kind !== incremental) return false;
  // another domain controller (or a restored database) counts its USNs apart: its invocationId differs
  if (w.kind === 'uSNChanged') return (w.invocationId ?? null) === invocationId;
  return true;
}

// ---------------------------------------------------------------- failures in plain words

export interface Problem {
  code: SyncProblemCode;
  message: string;
  field: string | null;
}

/** Active Directory's sub-codes of a refused bind ("data 52e" in the diagnostic message). */
const AD_BIND_REASONS: Record<string, string> = {
  '525': 'the bind DN names no user in the directory',
  '52e': 'the password is wrong for this bind DN',
  '530': 'the account may not sign in at this time',
  '531': 'the account may not sign in from this computer',
  '532': 'the account’s password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'the account must change its password before it can bind',
  '775': 'the account is locked out',
};

/** What the error means to a person setting up a connection. `step` is what was being done. */
export function explainLdapError(
  err: unknown,
  step: 'connect' | 'bind' | 'baseDn' | 'filter' | 'scope' | 'users',
  ctx: { url: string; bindDn?: string; baseDn?: string; filter?: string; group?: string },
): Problem {
  const e = err as { code?: unknown; message?: string; name?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const num = typeof e.code === 'number' ? e.code : undefined;
  const msg = String(e.message ?? err);
  const where = (() => {
    try {
      const u = new URL(ctx.url);
      return `${u.hostname}:${u.port || (u.protocol === 'ldaps:' ? 636 : 389)}`;
    } catch {
      return ctx.url;
    }
  })();
  const tlsCode = code && /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code);
  if (tlsCode || /certificate|ssl|tls|wrong version number|handshake/i.test(msg)) {
    const detail = /self[- ]signed|unable to (get|verify)|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO/i.test(`${code} ${msg}`)
      ? 'its certificate is not signed by a CA kdesk trusts: add the CA certificate under TLS, or (tests only) turn off certificate checks'
      : /altname|hostname|HOSTNAME_MISMATCH/i.test(`${code} ${msg}`)
        ? 'its certificate was issued for another host name'
        : /wrong version number|packet length too long|ERR_SSL|before secure TLS connection/i.test(`${code} ${msg}`)
          ? 'it does not speak TLS on this port (ldaps:// usually uses port 636; plain ldap:// uses 389)'
          : `the secure connection failed (${code ?? msg})`;
    return { code: 'tls', message: `TLS problem with ${where}: ${detail}.`, field: 'settings.tls' };
  }
  if (code === 'ECONNREFUSED') {
    return {
      code: 'unreachable',
      message: `Cannot reach ${where}: nothing accepts connections there. Check the host and port.`,
      field: 'settings.url',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      code: 'unreachable',
      message: `Cannot reach ${where}: the host name does not resolve. Check the spelling of the host.`,
      field: 'settings.url',
    };
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      code: 'unreachable',
      message: `Cannot reach ${where}: the network refused the connection (${code}). Check the address and any firewall in between.`,
      field: 'settings.url',
    };
  }
  if (code === 'ETIMEDOUT' || /timed? ?out|timeout/i.test(msg)) {
    return step === 'connect'
      ? {
          code: 'unreachable',
          message: `Cannot reach ${where}: no answer in time. Check the host, the port and any firewall in between.`,
          field: 'settings.url',
        }
      : {
          code: 'timeout',
          message: `The directory at ${where} did not answer in time while ${stepWords[step]}.`,
          field: 'settings.timeoutSeconds',
        };
  }
  const name = e.name ?? '';
  if (name === 'InvalidCredentialsError' || num === 49) {
    const sub = /data ([0-9a-f]{3})/i.exec(msg)?.[1]?.toLowerCase();
    const why = sub && AD_BIND_REASONS[sub] ? `: ${AD_BIND_REASONS[sub]}` : ': the bind DN or the password is wrong';
    return {
      code: 'bind',
      message: `The directory refused to sign in as "${ctx.bindDn || '(anonymous)'}"${why}.`,
      field: 'settings.bindPassword',
    };
  }
  if (name === 'StrongAuthRequiredError' || name === 'ConfidentialityRequiredError' || num === 8 || num === 13) {
    return {
      code: 'tls',
      message: 'The directory only accepts encrypted connections: use ldaps:// or turn on StartTLS.',
      field: 'settings.tls',
    };
  }
  if (name === 'InappropriateAuthError' || num === 48) {
    return {
      code: 'bind',
      message: 'The directory does not allow anonymous binds: give a bind DN and password.',
      field: 'settings.bindDn',
    };
  }
  if (name === 'InvalidDNSyntaxError' || num === 34) {
    const field = step === 'bind' ? 'settings.bindDn' : step === 'scope' ? 'scope.groups' : 'settings.baseDn';
    const what = step === 'bind' ? ctx.bindDn : step === 'scope' ? ctx.group : ctx.baseDn;
    return { code: step === 'bind' ? 'bind' : step === 'scope' ? 'group' : 'base_dn', message: `"${what}" is not a valid DN.`, field };
  }
  if (name === 'NoSuchObjectError' || num === 32) {
    if (step === 'scope') {
      return { code: 'group', message: `The group "${ctx.group}" does not exist in the directory.`, field: 'scope.groups' };
    }
    return {
      code: 'base_dn',
      message: `The base DN "${ctx.baseDn}" was not found in the directory. Check its spelling (e.g. dc=example,dc=com).`,
      field: 'settings.baseDn',
    };
  }
  if (name === 'InsufficientAccessError' || num === 50) {
    return {
      code: 'permission',
      message: `The bind account "${ctx.bindDn || '(anonymous)'}" may not read ${step === 'scope' ? `the group "${ctx.group}"` : 'these entries'}. Give it read access.`,
      field: 'settings.bindDn',
    };
  }
  if (step === 'filter' || /filter/i.test(msg) || name === 'ProtocolError' || num === 2 || name === 'UndefinedTypeError') {
    return { code: 'filter', message: `The filter "${ctx.filter}" is not valid: ${msg.replace(/\.$/, '')}.`, field: 'settings.userFilter' };
  }
  if (name === 'UnavailableError' || name === 'BusyError' || num === 51 || num === 52) {
    return { code: 'unreachable', message: `The directory at ${where} is busy or unavailable right now; try again later.`, field: null };
  }
  return { code: 'other', message: `The directory answered with an error while ${stepWords[step]}: ${msg}`, field: null };
}

const stepWords = {
  connect: 'connecting',
  bind: 'signing in',
  baseDn: 'reading the base DN',
  filter: 'checking the filter',
  scope: 'reading the groups',
  users: 'reading the users',
} as const;
