// Prints the OpenAPI document the server publishes at /api/openapi.json, without a database or a listening
// port: `node bin/run-ts.mjs scripts/openapi.ts > openapi.json` (CI lints it with Redocly's recommended rules).
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createDb } from '../server/db/client.ts';

const config = loadConfig({ ...process.env, KDESK_SECRET_KEY: '00'.repeat(32), LOG_LEVEL: 'silent', KDESK_WEB_DIR: '/nonexistent' });
// the pool connects on the first query, and building the document makes none
const db = createDb('postgres://openapi@127.0.0.1:1/none');
const app = await buildApp({ db, config });
await app.ready();
process.stdout.write(JSON.stringify(app.swagger(), null, 2) + '\n');
await app.close();
await db.destroy();
