// The lint rule that keeps `contacts` and `audit_log` to the contact writer.
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';
import { oneContactWriter } from '../eslint-rules/one-contact-writer.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });
const error = { message: /Only the contact writer/ };

tester.run('one-contact-writer', oneContactWriter, {
  valid: [
    "db.selectFrom('contacts').selectAll().where('id', '=', id)",
    "db.insertInto('portalSessions').values(row)",
    "db.updateTable('contactsArchive').set(x)",
    'sql`SELECT * FROM contacts WHERE team_id = ${t} FOR UPDATE`',
    'sql`UPDATE portal_login_requests SET attempts = attempts + 1`',
    "const message = 'Could not update contacts, try again';",
    "client.query('SELECT count(*) FROM audit_log')",
  ],
  invalid: [
    { code: "tx.insertInto('contacts').values(row)", errors: [error] },
    { code: "tx.updateTable('contacts as c').set({ active: false })", errors: [error] },
    { code: "tx.deleteFrom('auditLog').where('id', '=', id)", errors: [error] },
    { code: "db.with('a', (w) => w.insertInto('auditLog').values(e)).selectFrom('x')", errors: [error] },
    { code: 'sql<{ id: string }>`UPDATE contacts c SET version = c.version + 1`', errors: [error] },
    { code: 'sql`INSERT INTO audit_log (team_id) SELECT 1`', errors: [error] },
    { code: 'sql`delete from public.contacts where id = ${id}`', errors: [error] },
    { code: "client.query('COPY contacts (id) FROM STDIN')", errors: [error] },
    { code: 'pgc.query(`TRUNCATE TABLE audit_log`)', errors: [error] },
    { code: 'sql.raw(\'UPDATE "contacts" SET active = false\')', errors: [error] },
  ],
});
