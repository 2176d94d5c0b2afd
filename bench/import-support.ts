// Shared by the import/export benchmarks: a fresh database (DATABASE_URL's server or an embedded one) with
// a team and its owner's API token (the API benchmark starts from it too), N contacts written by COPY (with
// the same row builder as the API), a generated CSV, a kdesk server in its own process (single process:
// web + import runner), its peak RSS, multipart upload.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createServices } from '../server/app.ts';
import { createDb } from '../server/db/client.ts';
import { startEmbeddedPostgres } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { uuidv7 } from '../server/db/ids.ts';
import { fieldsToColumns } from '../server/contacts/contacts.presenter.ts';
import { emptyContact, phonesE164, type ContactFields } from '../server/contacts/contacts.rules.ts';
import { TEMPLATE_COLUMNS, type TemplateColumn } from '#shared/import.schema.ts';
import { processTree, statusMb } from './lib/proc.ts';

export const log = (s: string) => console.error(s);

export interface BenchDb {
  adminUrl: string;
  url: string;
  admin: pg.Client;
  tmp: string;
  teamId: string;
  token: string;
  /** An existing database of the same name was used again (its rows are there already). */
  reused: boolean;
  cleanup(): Promise<void>;
}

/**
 * A fresh database with a team 'Bench' and its owner. `reuse`: a database of that name on DATABASE_URL's server
 * is kept after the run and, when it already exists, migrated and used again (`reused`: its team, no new rows).
 */
export async function setupDatabase(o: { reuse?: string } = {}): Promise<BenchDb> {
  let adminUrl: string;
  let stopPg = async () => {};
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kdesk-bench-'));
  await chmod(tmp, 0o711); // the embedded PostgreSQL runs as its own user when we are root
  if (process.env.DATABASE_URL) adminUrl = process.env.DATABASE_URL;
  else {
    const e = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'pg'),
      database: 'postgres',
      ephemeral: true,
      port: 20000 + Math.floor(Math.random() * 10000),
    });
    adminUrl = e.url;
    stopPg = e.stop;
  }
  const reuse = o.reuse && process.env.DATABASE_URL ? o.reuse.replace(/[^a-z0-9_]/g, '_') : null;
  const dbName = reuse ?? `kdesk_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = reuse ? (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1 : false;
  if (!exists) await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const db = createDb(url);
  await migrateToLatest(db);
  if (exists) {
    const owner = await db
      .selectFrom('members')
      .innerJoin('teams', 'teams.id', 'members.teamId')
      .select(['members.id', 'members.teamId'])
      .where('teams.name', '=', 'Bench')
      .executeTakeFirstOrThrow();
    const services = createServices(db, { sessionTtlHours: 24 });
    const token = await services.auth.createTokenForMember(owner.id, 'bench');
    await db.destroy();
    log(`reusing ${dbName} (drop it with DROP DATABASE ${dbName})`);
    return {
      adminUrl,
      url,
      admin,
      tmp,
      teamId: owner.teamId,
      token,
      reused: true,
      async cleanup() {
        await admin.end();
        await rm(tmp, { recursive: true, force: true });
      },
    };
  }
  const services = createServices(db, { sessionTtlHours: 24 });
  const { team, owner } = await services.teams.createTeamWithOwner({
    name: 'Bench',
    ownerEmail: 'bench@example.com',
    ownerPassword: 'bench password',
  });
  const token = await services.auth.createTokenForMember(owner.id, 'bench');
  await db.destroy();
  return {
    adminUrl,
    url,
    admin,
    tmp,
    teamId: team.id,
    token,
    reused: false,
    async cleanup() {
      if (reuse) {
        log(`kept ${dbName} for the next run (drop it with DROP DATABASE ${dbName})`);
        await admin.end();
        await rm(tmp, { recursive: true, force: true });
        return;
      }
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end();
      await stopPg();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

const FIRST = [
  'Ada',
  'Bo',
  'Chloé',
  'Dmitri',
  'Eun-ji',
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
];
const LAST = ['Smith', 'Müller', 'García', 'Kim', 'Yılmaz', 'Dubois', 'Rossi', 'Tanaka', 'Nowak', 'Silva', 'Jensen', 'Okafor'];
const COMPANIES = Array.from({ length: 500 }, (_, i) => `Company ${i} ${['Inc.', 'GmbH', 'Ltd', 'SA'][i % 4]}`);
const CITIES = ['Springfield', 'Berlin', 'Madrid', 'Seoul', 'İstanbul', 'Paris', 'Roma', 'Tokyo', 'Warszawa', 'Lisboa'];

/** The fields of bench contact `i` (`variant` changes a few of them, as an update would). */
export function benchContact(i: number, variant = 0): ContactFields {
  const c = emptyContact();
  c.firstName = FIRST[i % FIRST.length]!;
  c.lastName = `${LAST[(i >> 4) % LAST.length]}${i}`;
  c.primaryEmail = `c${i}@bench${i % 997}.example.com`;
  c.emails = i % 3 === 0 ? { billing: `billing${i}@bench${i % 997}.example.com` } : {};
  c.phones = {
    mobile: `+1 202 555 ${String(i % 10000).padStart(4, '0')}`,
    ...(i % 2 ? { work: `(303) 555-${String((i * 7) % 10000).padStart(4, '0')}` } : {}),
  };
  c.company = COMPANIES[i % COMPANIES.length]!;
  c.jobTitle = variant ? 'Lead engineer' : 'Engineer';
  c.division = `Division ${i % 20}`;
  c.address = {
    line1: `${i % 999} Main Street`,
    line2: i % 5 ? null : `Suite ${i % 50}`,
    city: CITIES[i % CITIES.length]!,
    state: 'CA',
    postalCode: String(10000 + (i % 89999)),
    country: 'US',
  };
  c.notes = variant ? `Updated note ${variant} for contact ${i}` : `Customer since ${2000 + (i % 24)}`;
  c.permissions.portalAccess = i % 4 !== 0;
  c.notifications.newTickets = i % 3 !== 0;
  return c;
}

const copyText = (v: unknown): string => {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (Array.isArray(v)) return copyText(`{${v.map((s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`);
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
};

/** Writes `n` contacts into the team with COPY, built by the API's own row builder (search columns included). */
export async function seedContacts(
  url: string,
  teamId: string,
  n: number,
  o: { make?: (i: number) => ContactFields; companyOf?: (i: number) => string | null } = {},
): Promise<string[]> {
  const make = o.make ?? ((i: number) => benchContact(i));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ids: string[] = [];
  const sample = { id: '', teamId, ...fieldsToColumns(make(0), []), ...(o.companyOf ? { companyId: null } : {}) };
  const keys = Object.keys(sample);
  const cols = keys.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join(', ');
  const t0 = performance.now();
  const stream = client.query(copyFrom(`COPY contacts (${cols}) FROM STDIN`));
  const source = Readable.from(
    (function* () {
      let buf = '';
      for (let i = 0; i < n; i++) {
        const f = make(i);
        const id = uuidv7();
        ids.push(id);
        const row: Record<string, unknown> = {
          id,
          teamId,
          ...fieldsToColumns(f, phonesE164(f.phones, 'US')),
          ...(o.companyOf ? { companyId: o.companyOf(i) } : {}),
        };
        buf += keys.map((k) => copyText(row[k])).join('\t') + '\n';
        if (buf.length > 1 << 20) {
          yield buf;
          buf = '';
        }
        if (i % 200_000 === 0 && i) log(`  seeded ${i}/${n}`);
      }
      if (buf) yield buf;
    })(),
  );
  await pipeline(source, stream);
  await client.query('VACUUM ANALYZE contacts');
  await client.end();
  log(`seeded ${n} contacts by COPY in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return ids;
}

/** The cells of the benchmark file, by template column (so they map themselves): `id` is set on updates. */
const BENCH_CELL: Partial<Record<TemplateColumn, (f: ContactFields, id: string) => string>> = {
  id: (_, id) => id,
  firstName: (f) => f.firstName ?? '',
  lastName: (f) => f.lastName ?? '',
  primaryEmail: (f) => f.primaryEmail ?? '',
  emails: (f) => (Object.keys(f.emails).length ? JSON.stringify(f.emails) : ''),
  phones: (f) => JSON.stringify(f.phones),
  company: (f) => f.company ?? '',
  job: (f) => f.jobTitle ?? '',
  division: (f) => f.division ?? '',
  addressLine1: (f) => f.address.line1 ?? '',
  addressLine2: (f) => f.address.line2 ?? '',
  city: (f) => f.address.city ?? '',
  state: (f) => f.address.state ?? '',
  postalCode: (f) => f.address.postalCode ?? '',
  country: (f) => f.address.country ?? '',
  contactIsActive: (f) => String(f.permissions.active),
  portalAccess: (f) => (f.permissions.portalAccess ? 'yes' : 'no'),
  emailNewTickets: (f) => (f.notifications.newTickets ? '1' : '0'),
  canPostComments: () => 'true',
  notes: (f) => f.notes ?? '',
};
/** The 20 columns of the benchmark file, in the template's order. */
export const BENCH_COLUMNS = TEMPLATE_COLUMNS.filter((c) => BENCH_CELL[c]);
const BENCH_CELLS = BENCH_COLUMNS.map((c) => BENCH_CELL[c]!);

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A CSV of `rows` rows: even rows update existing contact i/2 (by id), odd rows create new contacts. */
export async function writeBenchCsv(file: string, rows: number, existingIds: string[]): Promise<number> {
  const out = createWriteStream(file);
  out.write(BENCH_COLUMNS.join(',') + '\r\n');
  let buf = '';
  for (let r = 0; r < rows; r++) {
    const update = r % 2 === 0 && existingIds.length > 0;
    const i = update ? (r / 2) % existingIds.length : existingIds.length + r;
    const f = benchContact(i, update ? 1 : 0);
    const id = update ? existingIds[i]! : '';
    const cells = BENCH_CELLS.map((cell) => cell(f, id));
    buf += cells.map(csvCell).join(',') + '\r\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return (await stat(file)).size;
}

export interface Server {
  proc: ChildProcess;
  base: string;
  /** Peak resident memory (VmHWM) so far of the server's processes alive now, summed, in MB. */
  peakRssMb(): Promise<number>;
  /** The largest peak resident memory (VmHWM) so far of one of the server's processes alive now, in MB. */
  peakProcessRssMb(): Promise<number>;
  /** The end of what the server wrote to stderr. */
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServer(url: string, env: Record<string, string> = {}, cwd = process.cwd()): Promise<Server> {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const proc = spawn(process.execPath, ['bin/kdesk.mjs', 'serve'], {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KDESK_WEB_DIR: '/nonexistent',
      KDESK_WEB_WORKERS: '1',
      KDESK_IMPORT_MAX_BYTES: String(2 * 1024 ** 3),
      // e.g. --max-old-space-size=256: how much heap V8 may grow before it collects harder
      ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  proc.stderr!.on('data', (d: Buffer) => {
    process.stderr.write(d);
    errors = (errors + String(d)).slice(-200_000);
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('kdesk is ready') && resolve());
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return {
    proc,
    base: `http://127.0.0.1:${port}`,
    stderr: () => errors,
    async peakRssMb() {
      let sum = 0;
      for (const pid of await processTree(proc.pid!)) sum += await statusMb(pid, 'VmHWM');
      return sum;
    },
    async peakProcessRssMb() {
      let max = 0;
      for (const pid of await processTree(proc.pid!)) max = Math.max(max, await statusMb(pid, 'VmHWM'));
      return max;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      await exited;
    },
  };
}

/** Streams a file as multipart/form-data to POST /api/v1/imports (never holding it in memory). */
export async function uploadImport(
  base: string,
  token: string,
  file: string,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
  route = '/api/v1/imports',
) {
  const boundary = `----kdeskbench${randomBytes(8).toString('hex')}`;
  let head = '';
  for (const [k, v] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\nContent-Type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const size = (await stat(file)).size;
  const u = new URL(route, base);
  return new Promise<{ status: number; body: { id: string } & Record<string, unknown> }>((resolve, reject) => {
    const req = http.request(
      u,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${headers.authorization ?? token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': Buffer.byteLength(head) + size + Buffer.byteLength(tail),
          ...Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization')),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const rs = createReadStream(file);
    rs.on('data', (d) => req.write(d) || (rs.pause(), req.once('drain', () => rs.resume())));
    rs.on('end', () => req.end(tail));
    rs.on('error', reject);
  });
}

export async function getJson(base: string, token: string, p: string) {
  const r = await fetch(new URL(p, base), { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()) as Record<string, unknown>;
}

/** Another team in the bench database (its id), for a measurement that must not touch the first team's rows. */
export async function createBenchTeam(url: string, name: string): Promise<string> {
  const db = createDb(url);
  try {
    const services = createServices(db, { sessionTtlHours: 24 });
    const { team } = await services.teams.createTeamWithOwner({
      name,
      ownerEmail: `${name.toLowerCase()}@example.com`,
      ownerPassword: 'bench password',
    });
    return team.id;
  } finally {
    await db.destroy();
  }
}

/**
 * The floor of an import: the rows of the bench file, already normalised (columns built by the same row
 * builder, E.164 computed, written to a file beforehand, untimed), written set-based into `teamId` (seeded
 * like the import's team): COPY into a staging table, then one `INSERT … ON CONFLICT (id) DO UPDATE` with
 * version + 1, into the same table with all its indexes. Answers the seconds of the COPY and the upsert.
 */
export async function timeRawUpsert(url: string, teamId: string, rows: number, existingIds: string[], dir: string): Promise<number> {
  const keys = Object.keys({ id: '', teamId, ...fieldsToColumns(benchContact(0), []) });
  const cols = keys.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  const file = path.join(dir, 'normalised.tsv');
  const out = createWriteStream(file);
  let buf = '';
  for (let r = 0; r < rows; r++) {
    const update = r % 2 === 0 && existingIds.length > 0;
    const i = update ? (r / 2) % existingIds.length : existingIds.length + r;
    const f = benchContact(i, update ? 1 : 0);
    const row: Record<string, unknown> = {
      id: update ? existingIds[i]! : uuidv7(),
      teamId,
      ...fieldsToColumns(f, phonesE164(f.phones, 'US')),
    };
    buf += keys.map((k) => copyText(row[k])).join('\t') + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = performance.now();
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE raw_staging (LIKE contacts INCLUDING DEFAULTS) ON COMMIT DROP`);
    await pipeline(createReadStream(file), client.query(copyFrom(`COPY raw_staging (${cols.join(', ')}) FROM STDIN`)));
    const set = cols.filter((c) => c !== 'id' && c !== 'team_id').map((c) => `${c} = EXCLUDED.${c}`);
    await client.query(
      `INSERT INTO contacts (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM raw_staging
       ON CONFLICT (id) DO UPDATE SET ${set.join(', ')}, version = contacts.version + 1, updated_at = now()
       WHERE contacts.team_id = EXCLUDED.team_id`,
    );
    await client.query('COMMIT');
    return (performance.now() - t0) / 1000;
  } finally {
    await client.end();
  }
}

/** Times a raw COPY of the CSV file into an unindexed, unlogged staging table of text columns. */
export async function timeCopyFrom(url: string, file: string, columns: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE UNLOGGED TABLE bench_staging (${Array.from({ length: columns }, (_, i) => `c${i} text`).join(', ')})`);
  const t0 = performance.now();
  await pipeline(createReadStream(file), client.query(copyFrom('COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true)')));
  const s = (performance.now() - t0) / 1000;
  await client.query('DROP TABLE bench_staging');
  await client.end();
  return s;
}
