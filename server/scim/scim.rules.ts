// SCIM 2.0 (RFC 7643/7644) as identity providers speak it, Microsoft Entra ID first: the User resource
// kept as the provider sent it (attribute names case-insensitive, "True"/"False" strings as booleans,
// the enterprise manager as a string, an object or a one-item array), PATCH in both Entra shapes (with
// and without the aadOptscim062020 flag: any `op` case, value objects without a path whose keys are
// paths themselves, value filters in paths), the `eq` filters Entra queries with, and the flattening of
// a User into the attribute → values map the Contact Sync mapping reads. Pure: no I/O.
import { SCIM_ATTRIBUTE_PATH } from '#shared/sync.ts';

export const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Most users one list page answers (ServiceProviderConfig filter.maxResults). */
export const SCIM_MAX_RESULTS = 1000;
/** Most operations one PATCH may carry. */
export const SCIM_MAX_OPERATIONS = 100;

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** An error answered in SCIM's own format: `{schemas:[Error], status:"409", scimType, detail}`. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}
export const scimErrorBody = (status: number, scimType: ScimType | null, detail: string) => ({
  schemas: [SCIM_ERROR],
  status: String(status),
  ...(scimType ? { scimType } : {}),
  detail,
});

const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);

/** A User as stored: core attributes at the top, the enterprise extension under its URN. */
export type ScimResource = Record<string, unknown>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// the core attributes by their lower-cased name (SCIM attribute names are case-insensitive)
const CORE = [
  'userName',
  'name',
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'active',
  'password',
  'emails',
  'phoneNumbers',
  'ims',
  'photos',
  'addresses',
  'groups',
  'entitlements',
  'roles',
  'x509Certificates',
  'externalId',
];
const NAME_SUBS = ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'];
const MULTI_SUBS = [
  'value',
  'display',
  'type',
  'primary',
  'ref',
  'formatted',
  'streetAddress',
  'locality',
  'region',
  'postalCode',
  'country',
];
const ENTERPRISE_SUBS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'];
const MULTI = new Set(['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates']);
const canonical = (names: readonly string[]) => new Map(names.map((n) => [n.toLowerCase(), n]));
const CORE_NAMES = canonical(CORE);
const NAME_NAMES = canonical(NAME_SUBS);
const MULTI_NAMES = canonical(MULTI_SUBS);
const ENTERPRISE_NAMES = canonical(ENTERPRISE_SUBS);
/** Never stored, never answered (RFC 7643: password is writeOnly). */
const WRITE_ONLY = new Set(['password']);

/** true/false, also as the strings Entra sends without aadOptscim062020 ("True", "False", any case). */
export function scimBoolean(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  throw invalidValue(`${path} takes true or false, not ${JSON.stringify(v)}`);
}

function text(v: unknown, path: string, max = 2000): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw invalidValue(`${path} must be a string`);
  if (v.length > max) throw invalidValue(`${path} is longer than ${max} characters`);
  return v;
}

/** One item of a multi-valued attribute (emails, phoneNumbers, addresses...) with canonical sub-attribute names. */
function multiItem(v: unknown, path: string): Json {
  if (!isObject(v)) {
    // a bare value ("a@b.c") is the item's value
    if (typeof v === 'string') return { value: v };
    throw invalidValue(`${path} items must be objects`);
  }
  const out: Json = {};
  for (const [k, val] of Object.entries(v)) {
    const name = k === '$ref' ? '$ref' : (MULTI_NAMES.get(k.toLowerCase()) ?? k);
    if (name === 'primary') out.primary = val === null || val === undefined ? false : scimBoolean(val, `${path}.primary`);
    else if (val !== null && val !== undefined) out[name] = typeof val === 'string' || typeof val === 'number' ? String(val) : val;
  }
  return out;
}

function multiValue(v: unknown, path: string): Json[] {
  if (v === null || v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  if (items.length > 100) throw invalidValue(`${path}: at most 100 values`);
  return items.map((i, n) => multiItem(i, `${path}[${n}]`));
}

/** The enterprise manager in any shape Entra sends: "id", {value}, [{value}], {"$ref", value}; null when none. */
function managerOf(v: unknown, path: string): Json | null {
  if (Array.isArray(v)) v = v[0];
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') return { value: v };
  if (isObject(v)) {
    const value = v.value ?? v.Value;
    if (value === null || value === undefined || value === '') return null;
    return { value: text(value, `${path}.value`, 200) };
  }
  throw invalidValue(`${path} must be the manager's id`);
}

function enterprise(v: unknown): Json {
  if (!isObject(v)) throw invalidValue(`${SCIM_ENTERPRISE} must be an object`);
  const out: Json = {};
  for (const [k, val] of Object.entries(v)) {
    const name = ENTERPRISE_NAMES.get(k.toLowerCase());
    if (!name) continue;
    setEnterprise(out, name, val);
  }
  return out;
}

function setEnterprise(ext: Json, name: string, val: unknown) {
  const path = `${SCIM_ENTERPRISE}:${name}`;
  if (name === 'manager') {
    const m = managerOf(val, path);
    if (m) ext.manager = m;
    else delete ext.manager;
  } else {
    const t = text(val, path, 500);
    if (t === null) delete ext[name];
    else ext[name] = t;
  }
}

function setCore(out: Json, name: string, val: unknown) {
  if (WRITE_ONLY.has(name)) return;
  if (val === null || val === undefined) {
    delete out[name];
    return;
  }
  if (name === 'active') out.active = scimBoolean(val, 'active');
  else if (name === 'name') {
    if (!isObject(val)) throw invalidValue('name must be an object');
    const n: Json = {};
    for (const [k, v] of Object.entries(val)) {
      const sub = NAME_NAMES.get(k.toLowerCase());
      const t = sub ? text(v, `name.${sub}`, 500) : null;
      if (sub && t !== null) n[sub] = t;
    }
    out.name = n;
  } else if (MULTI.has(name)) out[name] = multiValue(val, name);
  else out[name] = text(val, name, name === 'userName' || name === 'externalId' ? 500 : 2000);
}

/**
 * A User body of POST or PUT as stored: known attributes under their canonical names, booleans from
 * strings, the enterprise extension normalised; id, meta, schemas and the password are not kept.
 */
export function normalizeUser(body: unknown): ScimResource {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'The body must be a SCIM User object');
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    const lower = k.toLowerCase();
    if (lower === 'id' || lower === 'meta' || lower === 'schemas') continue;
    if (lower === SCIM_ENTERPRISE.toLowerCase()) {
      if (v !== null && v !== undefined) out[SCIM_ENTERPRISE] = enterprise(v);
      continue;
    }
    if (lower.startsWith(`${SCIM_ENTERPRISE.toLowerCase()}:`)) {
      // an enterprise attribute written as a full path at the top level
      const name = ENTERPRISE_NAMES.get(lower.slice(SCIM_ENTERPRISE.length + 1));
      if (name) setEnterprise((out[SCIM_ENTERPRISE] ??= {}) as Json, name, v);
      continue;
    }
    setCore(out, CORE_NAMES.get(lower) ?? k, v);
  }
  return checkUser(out);
}

/** A User must keep a userName; `active` defaults to true. */
function checkUser(u: Json): Json {
  if (typeof u.userName !== 'string' || !u.userName.trim()) throw invalidValue('userName is required');
  u.userName = u.userName.trim();
  if (u.active === undefined) u.active = true;
  if (isObject(u[SCIM_ENTERPRISE]) && !Object.keys(u[SCIM_ENTERPRISE] as Json).length) delete u[SCIM_ENTERPRISE];
  return u;
}

// ------------------------------------------------------------------ paths and PATCH

/** A parsed attribute path: `urn:...:attr[type eq "work"].sub`. */
export interface ScimPath {
  /** 'core' or the enterprise extension. */
  schema: 'core' | 'enterprise';
  attr: string;
  filter: { attr: string; value: string | boolean } | null;
  sub: string | null;
}

const PATH =
  /^(?:(urn:[A-Za-z0-9:._-]+):)?([A-Za-z$][A-Za-z0-9_$-]*)(?:\[\s*([A-Za-z]+)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*\])?(?:\.([A-Za-z$][A-Za-z0-9_$-]*))?$/i;

export function parsePath(raw: string): ScimPath {
  const p = raw.trim();
  // the enterprise extension as a whole, or one of its attributes
  if (p.toLowerCase() === SCIM_ENTERPRISE.toLowerCase()) return { schema: 'enterprise', attr: '', filter: null, sub: null };
  const m = PATH.exec(p);
  if (!m) throw invalidPath(`"${raw}" is not an attribute path this service understands`);
  const [, urn, attr, fAttr, fValue, sub] = m;
  let schema: ScimPath['schema'] = 'core';
  if (urn) {
    const u = urn.toLowerCase();
    if (u === SCIM_ENTERPRISE.toLowerCase()) schema = 'enterprise';
    else if (u !== SCIM_USER.toLowerCase()) throw invalidPath(`Unknown schema in "${raw}"`);
  }
  const filter = fAttr
    ? { attr: fAttr, value: fValue === 'true' ? true : fValue === 'false' ? false : (JSON.parse(fValue!) as string) }
    : null;
  if (schema === 'enterprise') {
    const name = ENTERPRISE_NAMES.get(attr!.toLowerCase());
    if (!name) throw invalidPath(`Unknown enterprise attribute in "${raw}"`);
    // manager.value is the manager itself
    return { schema, attr: name, filter: null, sub: name === 'manager' ? null : (sub ?? null) };
  }
  const name = CORE_NAMES.get(attr!.toLowerCase()) ?? attr!;
  if (filter && !MULTI.has(name)) throw invalidPath(`"${name}" is not multi-valued: no filter in "${raw}"`);
  let s = sub ?? null;
  if (s) s = name === 'name' ? (NAME_NAMES.get(s.toLowerCase()) ?? s) : (MULTI_NAMES.get(s.toLowerCase()) ?? s);
  return { schema, attr: name, filter, sub: s };
}

const matches = (item: Json, f: NonNullable<ScimPath['filter']>) => {
  const v = item[MULTI_NAMES.get(f.attr.toLowerCase()) ?? f.attr];
  if (typeof f.value === 'boolean') return v === f.value;
  return typeof v === 'string' && v.toLowerCase() === f.value.toLowerCase();
};

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string | null;
  value: unknown;
}

/** The Operations of a PatchOp body (op in any case; Entra without aadOptscim062020 writes "Replace"). */
export function parsePatch(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'The body must be a PatchOp object');
  const ops = body.Operations ?? body.operations;
  if (!Array.isArray(ops) || !ops.length) throw new ScimError(400, 'invalidSyntax', 'Operations must be a non-empty array');
  if (ops.length > SCIM_MAX_OPERATIONS) throw new ScimError(400, 'tooMany', `At most ${SCIM_MAX_OPERATIONS} operations per request`);
  return ops.map((o: unknown, i) => {
    if (!isObject(o)) throw new ScimError(400, 'invalidSyntax', `Operations[${i}] must be an object`);
    const op = typeof o.op === 'string' ? o.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw new ScimError(400, 'invalidSyntax', `Operations[${i}].op must be add, replace or remove`);
    }
    const path = typeof o.path === 'string' && o.path.trim() ? o.path.trim() : null;
    if (op === 'remove' && !path) throw new ScimError(400, 'noTarget', `Operations[${i}]: remove needs a path`);
    if (op !== 'remove' && o.value === undefined) throw invalidValue(`Operations[${i}]: ${op} needs a value`);
    return { op, path, value: o.value };
  });
}

/** The User after the operations (a new object; `resource` is left as it was). Atomic: an error changes nothing. */
export function applyPatch(resource: ScimResource, ops: readonly PatchOperation[]): ScimResource {
  const u = structuredClone(resource) as Json;
  for (const o of ops) {
    if (o.path === null) {
      // no path: the value is an object of attributes, whose keys may be paths themselves ("name.givenName",
      // "urn:...:enterprise:2.0:User:manager") — Entra's shape without aadOptscim062020
      if (!isObject(o.value)) throw invalidValue(`${o.op} without a path needs an object of attributes`);
      for (const [k, v] of Object.entries(o.value)) {
        if (k.toLowerCase() === SCIM_ENTERPRISE.toLowerCase() && isObject(v)) {
          for (const [ek, ev] of Object.entries(v)) applyOne(u, o.op, parsePath(`${SCIM_ENTERPRISE}:${ek}`), ev);
        } else applyOne(u, o.op, parsePath(k), v);
      }
    } else applyOne(u, o.op, parsePath(o.path), o.value);
  }
  return checkUser(u);
}

function applyOne(u: Json, op: PatchOperation['op'], p: ScimPath, value: unknown) {
  const path = `${p.attr}${p.filter ? `[${p.filter.attr} eq ${JSON.stringify(p.filter.value)}]` : ''}${p.sub ? `.${p.sub}` : ''}`;
  if (p.schema === 'enterprise') {
    const ext = (isObject(u[SCIM_ENTERPRISE]) ? u[SCIM_ENTERPRISE] : (u[SCIM_ENTERPRISE] = {})) as Json;
    if (!p.attr) {
      // the extension as a whole
      if (op === 'remove') delete u[SCIM_ENTERPRISE];
      else {
        const next = enterprise(value);
        u[SCIM_ENTERPRISE] = op === 'add' ? { ...ext, ...next } : next;
      }
      return;
    }
    setEnterprise(ext, p.attr, op === 'remove' ? null : value);
    return;
  }
  if (p.attr === 'id' || p.attr === 'meta' || p.attr === 'schemas') throw new ScimError(400, 'mutability', `${p.attr} cannot be changed`);
  if (WRITE_ONLY.has(p.attr)) return;

  if (p.attr === 'name' && p.sub) {
    const n = (isObject(u.name) ? u.name : (u.name = {})) as Json;
    const t = op === 'remove' ? null : text(value, `name.${p.sub}`, 500);
    if (t === null) delete n[p.sub];
    else n[p.sub] = t;
    return;
  }

  if (MULTI.has(p.attr)) {
    let items = Array.isArray(u[p.attr]) ? (u[p.attr] as Json[]) : [];
    if (p.filter) {
      const f = p.filter;
      if (op === 'remove') {
        if (p.sub) for (const it of items) if (matches(it, f)) delete it[p.sub];
        items = p.sub ? items : items.filter((it) => !matches(it, f));
      } else {
        let target = items.find((it) => matches(it, f));
        if (!target) {
          // Entra adds `emails[type eq "work"].value` to a user without a work email: a new item of that type
          target = { [MULTI_NAMES.get(f.attr.toLowerCase()) ?? f.attr]: f.value };
          items.push(target);
        }
        if (p.sub) {
          if (p.sub === 'primary') target.primary = scimBoolean(value, `${path}`);
          else {
            const t = text(value, path);
            if (t === null) delete target[p.sub];
            else target[p.sub] = t;
          }
        } else Object.assign(target, multiItem(value, path));
      }
    } else if (p.sub) {
      // emails.value without a filter: the primary item (or the only one)
      const target = items.find((it) => it.primary === true) ?? items[0];
      if (op === 'remove') {
        if (target) delete target[p.sub];
      } else if (target) target[p.sub] = p.sub === 'primary' ? scimBoolean(value, path) : text(value, path);
      else items.push({ [p.sub]: p.sub === 'primary' ? scimBoolean(value, path) : text(value, path) });
    } else if (op === 'remove') {
      if (value === undefined || value === null) items = [];
      else {
        const gone = multiValue(value, path).map((v) => String(v.value ?? '').toLowerCase());
        items = items.filter((it) => !gone.includes(String(it.value ?? '').toLowerCase()));
      }
    } else if (op === 'replace') items = multiValue(value, path);
    else {
      // add: new values join; a value of a type already present replaces that item
      for (const v of multiValue(value, path)) {
        const i = items.findIndex((it) =>
          v.type !== undefined ? it.type === v.type : String(it.value ?? '').toLowerCase() === String(v.value ?? '').toLowerCase(),
        );
        if (i >= 0) items[i] = { ...items[i], ...v };
        else items.push(v);
      }
    }
    items = items.filter((it) => Object.keys(it).some((k) => k !== 'type' && k !== 'primary'));
    if (items.length) u[p.attr] = items;
    else delete u[p.attr];
    return;
  }

  if (p.sub) throw invalidPath(`"${p.attr}" has no sub-attribute "${p.sub}"`);
  if (op === 'remove') {
    if (p.attr === 'userName') throw new ScimError(400, 'mutability', 'userName is required and cannot be removed');
    delete u[p.attr];
    return;
  }
  if (p.attr === 'name' && isObject(value) && op === 'add') {
    const cur = isObject(u.name) ? u.name : {};
    setCore(u, 'name', { ...cur, ...value });
    return;
  }
  setCore(u, p.attr, value);
}

// ------------------------------------------------------------------ filters

/** One `attr eq "value"` of a filter (terms joined by `and`). */
export interface FilterTerm {
  attr: 'userName' | 'externalId' | 'id' | 'email' | 'displayName';
  /** emails[type eq "work"].value: the type; null for emails.value / any email */
  emailType: string | null;
  value: string;
}

const FILTER_TERM = /^\s*([A-Za-z][A-Za-z0-9:._-]*?(?:\[\s*type\s+eq\s+"[^"]*"\s*\](?:\.value)?)?)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i;

/**
 * The filters Entra and Okta query with: `userName eq "x"`, `externalId eq "x"`, `id eq "x"`,
 * `emails[type eq "work"].value eq "x"`, `emails.value eq "x"`, `displayName eq "x"`, joined by `and`.
 * Anything else is invalidFilter (400), never a silently wrong answer.
 */
export function parseFilter(filter: string): FilterTerm[] {
  if (filter.length > 1000) throw new ScimError(400, 'invalidFilter', 'The filter is too long');
  const parts = filter.split(/\s+and\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/i);
  return parts.map((part) => {
    const m = FILTER_TERM.exec(part);
    if (!m) throw new ScimError(400, 'invalidFilter', `Unsupported filter "${part.trim()}": use attribute eq "value"`);
    let attr = m[1]!.replace(/^urn:ietf:params:scim:schemas:core:2\.0:User:/i, '');
    const value = JSON.parse(m[2]!) as string;
    const lower = attr.toLowerCase().replace(/\s+/g, ' ');
    if (lower === 'username') return { attr: 'userName', emailType: null, value };
    if (lower === 'externalid') return { attr: 'externalId', emailType: null, value };
    if (lower === 'id') return { attr: 'id', emailType: null, value };
    if (lower === 'displayname') return { attr: 'displayName', emailType: null, value };
    if (lower === 'emails' || lower === 'emails.value') return { attr: 'email', emailType: null, value };
    const em = /^emails\[\s*type\s+eq\s+"([^"]*)"\s*\](?:\.value)?$/i.exec(attr);
    if (em) return { attr: 'email', emailType: em[1]!, value };
    attr = attr.slice(0, 100);
    throw new ScimError(400, 'invalidFilter', `Filtering on "${attr}" is not supported (userName, externalId, id, displayName, emails)`);
  });
}

// ------------------------------------------------------------------ flattening for the mapping

/**
 * The User as directory attributes for the Contact Sync mapping (names lower-cased, as the mapping
 * reads them): `username`, `name.givenname`, `emails[type eq "work"].value`, `emails.value` (the primary
 * or first), `urn:...:enterprise:2.0:user:department`, `...:manager` (the manager's id), ...
 */
export function flattenUser(u: ScimResource): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const put = (k: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') (out[k.toLowerCase()] ??= []).push(String(v));
  };
  for (const [k, v] of Object.entries(u)) {
    if (k === SCIM_ENTERPRISE && isObject(v)) {
      for (const [ek, ev] of Object.entries(v)) {
        if (ek === 'manager' && isObject(ev)) put(`${SCIM_ENTERPRISE}:manager`, ev.value);
        else put(`${SCIM_ENTERPRISE}:${ek}`, ev);
      }
    } else if (k === 'name' && isObject(v)) {
      for (const [nk, nv] of Object.entries(v)) put(`name.${nk}`, nv);
    } else if (Array.isArray(v)) {
      const items = v.filter(isObject);
      const first = items.find((i) => i.primary === true) ?? items[0];
      for (const it of items) {
        for (const [sk, sv] of Object.entries(it)) {
          if (typeof it.type === 'string' && sk !== 'type') put(`${k}[type eq "${it.type.toLowerCase()}"].${sk}`, sv);
        }
      }
      if (first) for (const [sk, sv] of Object.entries(first)) if (sk !== 'type') put(`${k}.${sk}`, sv);
    } else put(k, v);
  }
  return out;
}

/** Is `path` a SCIM attribute path a mapping can name? (shared/sync.ts SCIM_ATTRIBUTE_PATH) */
export const isScimAttributePath = (path: string) => SCIM_ATTRIBUTE_PATH.test(path);
