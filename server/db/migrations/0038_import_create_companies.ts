// An import may create the companies its `linkedCompany` column names that the team does not have yet
// (`create_companies`); without it such a row fails with a reason and nothing is created.
// Frozen in time: Kysely<any>, no application imports.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE imports ADD COLUMN create_companies boolean NOT NULL DEFAULT false`.execute(db);
  // rows find their company by its case-folded name: companies_name_idx (team_id, name_key, id) serves it
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE imports DROP COLUMN IF EXISTS create_companies`.execute(db);
}
