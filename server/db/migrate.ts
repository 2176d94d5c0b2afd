import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001_init.ts';
import * as m0002 from './migrations/0002_rate_limits.ts';
import * as m0003 from './migrations/0003_directory.ts';
import * as m0004 from './migrations/0004_imports.ts';
import * as m0005 from './migrations/0005_portal.ts';
import * as m0006 from './migrations/0006_search_walk.ts';
import * as m0007 from './migrations/0007_cjk_names.ts';
import * as m0008 from './migrations/0008_portal_login_origin.ts';
import * as m0009 from './migrations/0009_portal_code_address.ts';
import * as m0010 from './migrations/0010_import_preview_slots.ts';
import * as m0013 from './migrations/0013_import_match_by.ts';
import * as m0014 from './migrations/0014_job_engine.ts';
import * as m0015 from './migrations/0015_import_jobs.ts';
import * as m0016 from './migrations/0016_tickets.ts';
import * as m0019 from './migrations/0019_member_admin.ts';
import * as m0020 from './migrations/0020_password_resets.ts';
import * as m0021 from './migrations/0021_team_identity.ts';
import * as m0022 from './migrations/0022_sso_allowed_orgs.ts';
import * as m0023 from './migrations/0023_sync.ts';
import * as m0024 from './migrations/0024_sync_people.ts';
import * as m0025 from './migrations/0025_ticket_list_indexes.ts';
import * as m0027 from './migrations/0027_companies.ts';
import * as m0030 from './migrations/0030_contact_merges.ts';
import * as m0032 from './migrations/0032_forms.ts';
import * as m0036 from './migrations/0036_scim.ts';
import * as m0038 from './migrations/0038_import_create_companies.ts';
import * as m0039 from './migrations/0039_sync_fingerprint.ts';
import * as m0042 from './migrations/0042_merge_reports_to.ts';
import * as m0044 from './migrations/0044_ticket_contacts_order.ts';
import * as m0045 from './migrations/0045_email_keys_inline.ts';

// An explicit list (not a folder scan) so the same code runs under tsx, Vitest and a bundler.
const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_rate_limits': m0002,
  '0003_directory': m0003,
  '0004_imports': m0004,
  '0005_portal': m0005,
  '0006_search_walk': m0006,
  '0007_cjk_names': m0007,
  '0008_portal_login_origin': m0008,
  '0009_portal_code_address': m0009,
  '0010_import_preview_slots': m0010,
  '0013_import_match_by': m0013,
  '0014_job_engine': m0014,
  '0015_import_jobs': m0015,
  '0016_tickets': m0016,
  '0019_member_admin': m0019,
  '0020_password_resets': m0020,
  '0021_team_identity': m0021,
  '0022_sso_allowed_orgs': m0022,
  '0023_sync': m0023,
  '0024_sync_people': m0024,
  '0025_ticket_list_indexes': m0025,
  '0027_companies': m0027,
  '0030_contact_merges': m0030,
  '0032_forms': m0032,
  '0036_scim': m0036,
  '0038_import_create_companies': m0038,
  '0039_sync_fingerprint': m0039,
  '0042_merge_reports_to': m0042,
  '0044_ticket_contacts_order': m0044,
  '0045_email_keys_inline': m0045,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies pending migrations; safe to call from several processes at once (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // unordered: 0004 and 0005 were written in parallel, and a database may have received either first
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
