// Companies (name, notes, email domains) and time logged on tickets.
// A domain belongs to at most one company of a team (the primary key of company_domains). Contacts and
// tickets point at their company; a ticket keeps the company it was raised under.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE companies (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      name_key text NOT NULL,
      notes text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (team_id, id)
    )`.execute(db);
  // the list sorted by name (case-folded key) or by creation, and searched by name
  await sql`CREATE INDEX companies_name_idx ON companies (team_id, name_key, id)`.execute(db);
  await sql`CREATE INDEX companies_created_idx ON companies (team_id, created_at, id)`.execute(db);
  await sql`CREATE INDEX companies_name_trgm_idx ON companies USING gin (name_key gin_trgm_ops)`.execute(db);
  await sql`
    CREATE TABLE company_domains (
      team_id uuid NOT NULL,
      domain text NOT NULL,
      company_id uuid NOT NULL,
      PRIMARY KEY (team_id, domain),
      FOREIGN KEY (team_id, company_id) REFERENCES companies (team_id, id) ON DELETE CASCADE
    )`.execute(db);
  await sql`CREATE INDEX company_domains_company_idx ON company_domains (company_id)`.execute(db);

  // a company's contacts (counts, the directory filter) and the contacts a re-scan can link: live,
  // not linked yet, by the domain of the primary email (emails are stored normalised, domain in punycode)
  await sql`CREATE INDEX contacts_company_idx ON contacts (team_id, company_id, id) WHERE deleted_at IS NULL AND company_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX contacts_unlinked_domain_idx ON contacts (team_id, (split_part(primary_email, '@', 2)))
    WHERE deleted_at IS NULL AND company_id IS NULL AND primary_email IS NOT NULL`.execute(db);
  // a deleted company leaves its tickets without one (contacts are unlinked by the contact writer first)
  await sql`ALTER TABLE tickets ADD CONSTRAINT tickets_company_fk FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL NOT VALID`.execute(
    db,
  );
  await sql`ALTER TABLE contacts ADD CONSTRAINT contacts_company_fk FOREIGN KEY (company_id) REFERENCES companies (id) NOT VALID`.execute(
    db,
  );

  await sql`
    CREATE TABLE time_entries (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      member_id uuid REFERENCES members (id) ON DELETE SET NULL,
      member_name text NOT NULL,
      minutes integer NOT NULL CHECK (minutes > 0 AND minutes <= 1440),
      note text NOT NULL DEFAULT '',
      spent_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX time_entries_ticket_idx ON time_entries (team_id, ticket_id, spent_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS time_entries`.execute(db);
  await sql`ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_company_fk`.execute(db);
  await sql`ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_company_fk`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_unlinked_domain_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS contacts_company_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS company_domains`.execute(db);
  await sql`DROP TABLE IF EXISTS companies`.execute(db);
}
