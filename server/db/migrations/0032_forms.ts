// Forms that agents build and assign to contacts, who fill them in the portal.
// A form's fields are a JSON definition validated by the application (server/forms/forms.rules.ts).
// An assignment is one request to one contact: it keeps the draft while the contact fills it and the
// submitted values afterwards (then read-only). A contact has at most one open assignment of a form;
// once submitted, the form may be assigned again for a new response.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE forms (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      name text NOT NULL,
      description text,
      fields jsonb NOT NULL,
      created_by uuid REFERENCES members (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      UNIQUE (team_id, id)
    )`.execute(db);
  await sql`CREATE INDEX forms_team_idx ON forms (team_id, created_at DESC, id DESC)`.execute(db);

  await sql`
    CREATE TABLE form_assignments (
      id uuid PRIMARY KEY,
      team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      form_id uuid NOT NULL,
      contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
      assigned_by uuid REFERENCES members (id) ON DELETE SET NULL,
      assigned_by_name text NOT NULL,
      assigned_at timestamptz NOT NULL,
      draft jsonb,
      draft_saved_at timestamptz,
      response_values jsonb,
      submitted_at timestamptz,
      FOREIGN KEY (team_id, form_id) REFERENCES forms (team_id, id) ON DELETE CASCADE,
      CHECK ((submitted_at IS NULL) = (response_values IS NULL))
    )`.execute(db);
  // one open assignment of a form per contact (the unique key an insert ... on conflict relies on)
  await sql`CREATE UNIQUE INDEX form_assignments_open_key ON form_assignments (form_id, contact_id) WHERE submitted_at IS NULL`.execute(db);
  // a form's responses, newest first; a contact's forms
  await sql`CREATE INDEX form_assignments_form_idx ON form_assignments (team_id, form_id, assigned_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX form_assignments_contact_idx ON form_assignments (team_id, contact_id, assigned_at DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS form_assignments`.execute(db);
  await sql`DROP TABLE IF EXISTS forms`.execute(db);
}
