// Tickets: numbered per team, with their contacts (the people on the ticket, requester included),
// comments by members and contacts, the notifications already sent (one per event and recipient),
// and request templates for the portal.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // the next ticket number of a team, taken with one UPDATE ... RETURNING (no gaps under races but rollbacks)
  await sql`
    CREATE TABLE ticket_counters (
      team_id uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
      last_number integer NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE tickets (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      number integer NOT NULL,
      subject text NOT NULL,
      description text NOT NULL DEFAULT '',
      status text NOT NULL CHECK (status IN ('open','pending','resolved','closed')),
      priority text NOT NULL CHECK (priority IN ('low','normal','high','urgent')),
      requester_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
      assignee_id uuid REFERENCES members (id) ON DELETE SET NULL,
      company_id uuid,
      template_id uuid,
      custom_fields jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      closed_at timestamptz,
      UNIQUE (team_id, number)
    )`.execute(db);
  // newest first (UUIDv7 ids are time-ordered), alone or within the common filters
  await sql`CREATE INDEX tickets_team_idx ON tickets (team_id, id DESC)`.execute(db);
  await sql`CREATE INDEX tickets_status_idx ON tickets (team_id, status, id DESC)`.execute(db);
  await sql`CREATE INDEX tickets_assignee_idx ON tickets (team_id, assignee_id, id DESC)`.execute(db);
  await sql`CREATE INDEX tickets_company_idx ON tickets (team_id, company_id, id DESC) WHERE company_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX tickets_subject_trgm_idx ON tickets USING gin (subject gin_trgm_ops)`.execute(db);

  await sql`
    CREATE TABLE ticket_contacts (
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      added_at timestamptz NOT NULL,
      PRIMARY KEY (ticket_id, contact_id)
    )`.execute(db);
  // a contact's tickets, newest first (the portal list and the contact page)
  await sql`CREATE INDEX ticket_contacts_contact_idx ON ticket_contacts (team_id, contact_id, ticket_id DESC)`.execute(db);

  await sql`
    CREATE TABLE ticket_comments (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      body text NOT NULL,
      is_public boolean NOT NULL,
      author_type text NOT NULL CHECK (author_type IN ('member','contact')),
      author_member_id uuid REFERENCES members (id) ON DELETE SET NULL,
      author_contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
      author_name text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX ticket_comments_ticket_idx ON ticket_comments (ticket_id, id)`.execute(db);

  // one row per event and recipient: a notification written twice (a retried fan-out) is sent once
  await sql`
    CREATE TABLE ticket_notifications (
      event_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      kind text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (event_id, contact_id)
    )`.execute(db);

  await sql`
    CREATE TABLE request_templates (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      fields jsonb NOT NULL DEFAULT '{}',
      availability jsonb NOT NULL,
      allow_choose_assignee boolean NOT NULL DEFAULT false,
      assignee_ids uuid[] NOT NULL DEFAULT '{}',
      allow_add_contacts boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX request_templates_team_idx ON request_templates (team_id, name)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS request_templates, ticket_notifications, ticket_comments, ticket_contacts, tickets, ticket_counters`.execute(
    db,
  );
}
