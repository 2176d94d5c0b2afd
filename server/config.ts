import os from 'node:os';

// Every setting comes from the environment; README.md lists them all.
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  pgPort: number | undefined;
  dbPoolSize: number;
  dbPrepare: boolean;
  webWorkers: number;
  publicUrl: string | null;
  secureCookies: boolean;
  sessionTtlHours: number;
  adminEmail: string | null;
  adminPassword: string | null;
  teamName: string;
  logLevel: string;
  trustProxy: boolean;
  webDir: string;
  /** smtp(s)://user:pass@host:port — outgoing mail; without it mail is kept in the built-in mailbox. */
  smtpUrl: string | null;
  mailFrom: string;
  /** 32 bytes (hex or base64) encrypting stored secrets and keying code hashes; generated into the data dir when unset. */
  secretKey: string | null;
  mailMaxAttempts: number;
  portalIdleMinutes: number;
  portalSessionHours: number;
  /** SSO issuers (and their endpoints) may be on loopback or private addresses: development and tests only. */
  allowPrivateIssuers: boolean;
  /** Microsoft Graph / Google URLs of sync connections may reach loopback or private addresses: development and tests only. */
  allowPrivateDirectoryUrls: boolean;
  imports: ImportConfig;
  /** Roles of this process: `web` (HTTP) and/or `worker` (background jobs). */
  services: ('web' | 'worker')[];
  /** Heap (MB) of the child process that runs the worker role beside the web tier. */
  workerHeapMb: number;
}

/** Limits and tuning of import and export (README: "Import and export"). */
export interface ImportConfig {
  /** Largest upload; answered 413 while the body streams in. */
  maxBytes: number;
  /** XLSX (a zip): most entries and most uncompressed bytes, checked before anything is inflated. */
  xlsxMaxEntries: number;
  xlsxMaxUncompressedBytes: number;
  /** Most text an XLSX's shared-strings table may hold once read (2 bytes a character + 24 a string). */
  xlsxMaxSharedStringsBytes: number;
  /** Longest cell, in characters: a longer CSV cell fails its row, a longer XLSX cell the file. */
  maxCellChars: number;
  /** Most columns a header may have. */
  maxColumns: number;
  /** Rows per committed batch (one transaction with the checkpoint). */
  batchRows: number;
  /** And the most cell bytes a batch holds (2 bytes a character + 16 a cell): wide or long rows make smaller batches. */
  batchMaxBytes: number;
  /** An import that has created this many contacts, and as many as the planner's statistics counted before, runs
   *  ANALYZE on them (a first import into an empty table: its look-ups by key were planned for a tiny table). */
  analyzeAfterRows: number;
  /** How long a worker holds an import or export without renewing; after that another worker takes over. */
  leaseSeconds: number;
  /** Uploaded and exported files are deleted after this many hours. */
  fileTtlHours: number;
  /** Previews read in a thread with this much heap (MB); at most this many at once per team. */
  previewHeapMb: number;
  previewsPerTeam: number;
}

export const defaultImportConfig: ImportConfig = {
  maxBytes: 200 * 1024 * 1024,
  xlsxMaxEntries: 10_000,
  xlsxMaxUncompressedBytes: 1024 * 1024 * 1024,
  xlsxMaxSharedStringsBytes: 128 * 1024 * 1024,
  maxCellChars: 1_000_000,
  maxColumns: 1000,
  batchRows: 5000,
  analyzeAfterRows: 10_000,
  batchMaxBytes: 16 * 1024 * 1024,
  leaseSeconds: 30,
  fileTtlHours: 24,
  previewHeapMb: 256,
  previewsPerTeam: 2,
};

/** What an operator should know at start about this configuration (printed as warnings). */
export function configWarnings(config: Pick<Config, 'publicUrl'>): string[] {
  const out: string[] = [];
  if (!config.publicUrl) {
    out.push(
      'KDESK_PUBLIC_URL is not set: links in mail use the address each request came to (invitations), or where a member ' +
        'last signed in (sign-in codes). Set KDESK_PUBLIC_URL to the URL users open, e.g. https://help.example.com.',
    );
  }
  return out;
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return /^(1|true|yes|on)$/i.test(value);
}

function services(value: string | undefined): ('web' | 'worker')[] {
  if (!value) return ['web', 'worker'];
  const list = value.split(',').map((s) => s.trim());
  const bad = list.find((s) => s !== 'web' && s !== 'worker');
  if (bad !== undefined || !list.length) throw new Error(`KDESK_SERVICES must be "web", "worker" or "web,worker", got "${value}"`);
  return list as ('web' | 'worker')[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const publicUrl = env.KDESK_PUBLIC_URL?.replace(/\/$/, '') || null;
  return {
    port: int('PORT', env.PORT, 3000),
    host: env.HOST || 'localhost',
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.KDESK_DATA_DIR || '.data',
    pgPort: env.KDESK_PG_PORT ? int('KDESK_PG_PORT', env.KDESK_PG_PORT, 0) : undefined,
    dbPoolSize: int('KDESK_DB_POOL_SIZE', env.KDESK_DB_POOL_SIZE, 10),
    dbPrepare: bool(env.KDESK_DB_PREPARE, true),
    // one web process per core (at most 4) unless told otherwise; 'auto' means the same
    webWorkers:
      env.KDESK_WEB_WORKERS && env.KDESK_WEB_WORKERS !== 'auto'
        ? Math.max(1, int('KDESK_WEB_WORKERS', env.KDESK_WEB_WORKERS, 1))
        : Math.min(4, os.availableParallelism()),
    publicUrl,
    secureCookies: bool(env.KDESK_SECURE_COOKIES, publicUrl?.startsWith('https://') ?? false),
    sessionTtlHours: int('KDESK_SESSION_TTL_HOURS', env.KDESK_SESSION_TTL_HOURS, 24 * 7),
    adminEmail: env.KDESK_ADMIN_EMAIL || null,
    adminPassword: env.KDESK_ADMIN_PASSWORD || null,
    teamName: env.KDESK_TEAM_NAME || 'My team',
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: bool(env.KDESK_TRUST_PROXY, false),
    webDir: env.KDESK_WEB_DIR || 'web/dist',
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.KDESK_MAIL_FROM || `kdesk <no-reply@${publicUrl ? new URL(publicUrl).hostname : 'localhost'}>`,
    secretKey: env.KDESK_SECRET_KEY || null,
    mailMaxAttempts: Math.max(1, int('KDESK_MAIL_MAX_ATTEMPTS', env.KDESK_MAIL_MAX_ATTEMPTS, 8)),
    portalIdleMinutes: Math.max(1, int('KDESK_PORTAL_IDLE_MINUTES', env.KDESK_PORTAL_IDLE_MINUTES, 30)),
    portalSessionHours: Math.max(1, int('KDESK_PORTAL_SESSION_HOURS', env.KDESK_PORTAL_SESSION_HOURS, 12)),
    allowPrivateIssuers: bool(env.KDESK_ALLOW_PRIVATE_ISSUERS, false),
    allowPrivateDirectoryUrls: bool(env.KDESK_ALLOW_PRIVATE_DIRECTORY_URLS, false),
    imports: {
      maxBytes: int('KDESK_IMPORT_MAX_BYTES', env.KDESK_IMPORT_MAX_BYTES, defaultImportConfig.maxBytes),
      xlsxMaxEntries: int('KDESK_IMPORT_XLSX_MAX_ENTRIES', env.KDESK_IMPORT_XLSX_MAX_ENTRIES, defaultImportConfig.xlsxMaxEntries),
      xlsxMaxUncompressedBytes: int(
        'KDESK_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES',
        env.KDESK_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES,
        defaultImportConfig.xlsxMaxUncompressedBytes,
      ),
      xlsxMaxSharedStringsBytes: int(
        'KDESK_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES',
        env.KDESK_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES,
        defaultImportConfig.xlsxMaxSharedStringsBytes,
      ),
      maxCellChars: Math.max(1, int('KDESK_IMPORT_MAX_CELL_CHARS', env.KDESK_IMPORT_MAX_CELL_CHARS, defaultImportConfig.maxCellChars)),
      maxColumns: Math.max(1, int('KDESK_IMPORT_MAX_COLUMNS', env.KDESK_IMPORT_MAX_COLUMNS, defaultImportConfig.maxColumns)),
      batchRows: Math.max(1, int('KDESK_IMPORT_BATCH_ROWS', env.KDESK_IMPORT_BATCH_ROWS, defaultImportConfig.batchRows)),
      batchMaxBytes: Math.max(1, int('KDESK_IMPORT_BATCH_MAX_BYTES', env.KDESK_IMPORT_BATCH_MAX_BYTES, defaultImportConfig.batchMaxBytes)),
      analyzeAfterRows: Math.max(
        1,
        int('KDESK_IMPORT_ANALYZE_AFTER_ROWS', env.KDESK_IMPORT_ANALYZE_AFTER_ROWS, defaultImportConfig.analyzeAfterRows),
      ),
      leaseSeconds: Math.max(2, int('KDESK_JOB_LEASE_SECONDS', env.KDESK_JOB_LEASE_SECONDS, defaultImportConfig.leaseSeconds)),
      fileTtlHours: Math.max(1, int('KDESK_FILE_TTL_HOURS', env.KDESK_FILE_TTL_HOURS, defaultImportConfig.fileTtlHours)),
      previewHeapMb: Math.max(32, int('KDESK_IMPORT_PREVIEW_HEAP_MB', env.KDESK_IMPORT_PREVIEW_HEAP_MB, defaultImportConfig.previewHeapMb)),
      previewsPerTeam: Math.max(
        1,
        int('KDESK_IMPORT_PREVIEWS_PER_TEAM', env.KDESK_IMPORT_PREVIEWS_PER_TEAM, defaultImportConfig.previewsPerTeam),
      ),
    },
    services: services(env.KDESK_SERVICES),
    workerHeapMb: Math.max(64, int('KDESK_WORKER_HEAP_MB', env.KDESK_WORKER_HEAP_MB, 1024)),
  };
}
