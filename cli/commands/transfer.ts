// `kdesk import <file>` and `kdesk export`: the same services as the API, run by an operator on the
// server (the system actor: not bound by the team setting "Allow bulk contact import").
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { etaText } from '../progress.rules.ts';
import { contactFilter } from '#shared/contact.schema.ts';
import { AppError } from '#shared/errors.ts';
import {
  importModes,
  mappingInputSchema,
  textEncodings,
  type Import,
  type MappingInput,
  type TextEncodingName,
} from '#shared/import.schema.ts';
import { createServices, type Services } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import type { Db } from '../../server/db/client.ts';
import { isUuid } from '../../server/db/ids.ts';
import { createTeamsRepo } from '../../server/teams/teams.repo.ts';
import { systemActor } from '../../server/auth/actor.ts';
import { createImportRunner } from '../../server/imports/import-runner.ts';
import { withDatabase } from '../database.ts';

/** --team <slug|id>, --team-of <member email>, or the only team. */
async function resolveTeam(db: Db, services: Services, o: { team?: string; teamOf?: string }): Promise<string> {
  if (o.teamOf) {
    const m = await services.members.findByEmail(o.teamOf);
    if (!m) throw new AppError('NOT_FOUND', `No member with the email ${o.teamOf}`);
    return m.teamId;
  }
  if (o.team) {
    const t = await createTeamsRepo(db).findBySlugOrId(o.team, { isId: isUuid(o.team) });
    if (!t) throw new AppError('NOT_FOUND', `No team with the slug or id ${o.team}`);
    return t.id;
  }
  const teams = await createTeamsRepo(db).firstIds(2);
  if (teams.length !== 1)
    throw new AppError('BAD_REQUEST', 'There are several teams: say which with --team <slug> or --team-of <member email>');
  return teams[0]!;
}

const teamOptions = (c: Command) =>
  c
    .addOption(new Option('--team <slug>', 'the team (slug or id; default: the only team)').env('KDESK_TEAM'))
    .addOption(new Option('--team-of <email>', 'the team of this member').env('KDESK_TEAM_OF'));

/** A progress bar whose time left comes from the average rate since it started (cli/progress.rules.ts). */
function bar(label: string) {
  const b = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} rows ({percentage}%) {timeLeft}`,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  let startValue = 0;
  let total: number | null = null;
  const timeLeft = (value: number) => ({ timeLeft: etaText({ startedAt, startValue, value, total, now: Date.now() }) });
  return {
    start(t: number | null, value: number) {
      startedAt = Date.now();
      startValue = value;
      total = t;
      b.start(t ?? 0, value, timeLeft(value));
    },
    setTotal(t: number) {
      total = t;
      b.setTotal(t);
    },
    update(value: number) {
      b.update(value, timeLeft(value));
    },
    stop() {
      b.stop();
    },
  };
}

export function importCommand() {
  return teamOptions(
    new Command('import')
      .description('import contacts from a CSV or XLSX file (the same rules as the API; prints counts, writes failed rows to a CSV)')
      .argument('<file>', 'CSV (any delimiter, UTF-8/UTF-16/Windows-1252) or XLSX')
      .addOption(new Option('--mode <mode>', 'upsert, create or update').choices(importModes).default('upsert').env('KDESK_IMPORT_MODE'))
      .addOption(new Option('--dry-run', 'check every row and count, write nothing').env('KDESK_IMPORT_DRY_RUN'))
      .addOption(
        new Option('--create-companies', 'a linkedCompany name no company of the team has creates it (default: the row fails)').env(
          'KDESK_IMPORT_CREATE_COMPANIES',
        ),
      )
      .addOption(new Option('--mapping <file>', 'JSON file: {"<column>": "<field>" | null}').env('KDESK_IMPORT_MAPPING'))
      .addOption(
        new Option('--encoding <encoding>', "the CSV file's text encoding, when detection is unsure or wrong")
          .choices(textEncodings)
          .env('KDESK_IMPORT_ENCODING'),
      )
      .addOption(new Option('--errors <file>', 'where to write the failed rows (default: <file>-errors.csv)').env('KDESK_IMPORT_ERRORS')),
  ).action(
    async (
      file: string,
      o: {
        mode: Import['mode'];
        dryRun?: boolean;
        createCompanies?: boolean;
        mapping?: string;
        encoding?: TextEncodingName;
        errors?: string;
        team?: string;
        teamOf?: string;
      },
    ) => {
      let mapping: MappingInput | undefined;
      if (o.mapping) {
        const parsed = mappingInputSchema.safeParse(JSON.parse(await readFile(o.mapping, 'utf8')));
        if (!parsed.success) throw new AppError('VALIDATION', `${o.mapping} is not a mapping: {"<column>": "<field>" | null}`);
        mapping = parsed.data;
      }
      await withDatabase(async ({ db }) => {
        const config = loadConfig();
        const services = createServices(db, config);
        const actor = systemActor(await resolveTeam(db, services, o), 'kdesk CLI');
        const upload = await services.imports.upload(actor, createReadStream(file), path.basename(file));
        const created = await services.imports.create(actor, {
          upload,
          mapping,
          mode: o.mode,
          dryRun: Boolean(o.dryRun),
          createCompanies: Boolean(o.createCompanies),
          encoding: o.encoding,
        });
        if (created.unmappedColumns.length) console.error(`Not imported (no field): ${created.unmappedColumns.join(', ')}`);
        const progress = bar(o.dryRun ? 'checking' : 'importing');
        let started = false;
        const show = (processed: number, total: number | null) => {
          if (!started) progress.start(total, processed);
          started = true;
          if (total !== null) progress.setTotal(total);
          progress.update(processed);
        };
        // run it here unless a running server took it first; then follow its progress
        const runner = createImportRunner({ db, teams: services.teams, jobs: services.jobs, config: config.imports });
        const ranHere = await runner.runImportById(created.id, { onProgress: (p) => show(p.processed, p.total) });
        let imp = await services.imports.get(actor, created.id);
        while (!ranHere && (imp.status === 'queued' || imp.status === 'running')) {
          show(imp.processed, imp.total);
          await new Promise((r) => setTimeout(r, 500));
          imp = await services.imports.get(actor, created.id);
        }
        show(imp.processed, imp.total);
        progress.stop();
        const verb = imp.dryRun ? 'would be ' : '';
        console.log(
          `${imp.status === 'succeeded' ? (imp.dryRun ? 'Dry run done' : 'Imported') : `Import ${imp.status}`}: ${imp.processed} of ${imp.total ?? '?'} rows — ` +
            `${imp.created} ${verb}created, ${imp.updated} ${verb}updated, ${imp.unchanged} unchanged, ${imp.failed} failed.`,
        );
        if (imp.error) console.error(imp.error);
        if (imp.failed > 0) {
          const out = o.errors ?? path.join(path.dirname(file), `${path.basename(file, path.extname(file))}-errors.csv`);
          const w = createWriteStream(out);
          for await (const line of services.imports.errorsCsv(actor, imp.id)) if (!w.write(line)) await once(w, 'drain');
          w.end();
          await once(w, 'finish');
          console.log(`Failed rows with their reasons: ${out}`);
        }
        if (imp.status !== 'succeeded') process.exitCode = 1;
      });
    },
  );
}

export function exportCommand() {
  return teamOptions(
    new Command('export')
      .description('export contacts as CSV in the import template columns (stdout unless --out)')
      .addOption(new Option('--out <file>', 'write to this file').env('KDESK_EXPORT_OUT'))
      .addOption(new Option('--q <text>', 'search, as in the directory').env('KDESK_EXPORT_Q'))
      .addOption(
        new Option('--status <status>', 'active, inactive or all')
          .choices(['active', 'inactive', 'all'])
          .default('all')
          .env('KDESK_EXPORT_STATUS'),
      )
      .addOption(
        new Option('--verified <bool>', 'portal-verified contacts only (true) or unverified only (false)').env('KDESK_EXPORT_VERIFIED'),
      )
      .addOption(new Option('--company-id <id>', 'contacts of one company').env('KDESK_EXPORT_COMPANY_ID')),
  ).action(
    async (o: { out?: string; q?: string; status: string; verified?: string; companyId?: string; team?: string; teamOf?: string }) => {
      const filter = contactFilter.safeParse({ q: o.q, status: o.status, verified: o.verified, companyId: o.companyId });
      if (!filter.success) {
        throw new AppError(
          'VALIDATION',
          'Invalid filter',
          filter.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      await withDatabase(async ({ db }) => {
        const services = createServices(db, loadConfig());
        const actor = systemActor(await resolveTeam(db, services, o), 'kdesk CLI');
        const total = await services.contacts.countMatching(actor, { filter: filter.data });
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        const progress = bar('exporting');
        if (o.out) progress.start(total, 0);
        let rows = -1;
        for await (const chunk of services.exports.streamCsv(actor, { filter: filter.data }).lines) {
          for (let i = chunk.indexOf('\r\n'); i !== -1; i = chunk.indexOf('\r\n', i + 2)) rows++;
          if (!out.write(chunk)) await once(out, 'drain');
          if (o.out) progress.update(Math.min(total, Math.max(0, rows)));
        }
        if (o.out) {
          progress.stop();
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'finish');
          console.error(`Exported ${total} contacts to ${o.out}.`);
        }
      });
    },
  );
}
