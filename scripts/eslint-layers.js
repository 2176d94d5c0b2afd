// ESLint rules that keep the server's layers (see README "Architecture"):
//   kdesk/sql-in-repo        SQL (Kysely's query builders, the `sql` tag, a client's query("SELECT …")) only in
//                            *.repo.ts files and server/db/ (migrations included)
//   kdesk/no-foreign-repo    a feature (server/<feature>/) never imports another feature's *.repo.ts; a type-only
//                            import is fine (a service may be handed another feature's repo by createServices)
//   kdesk/no-migration-import nothing imports a migration but server/db/migrate.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (file) => path.relative(root, file).split(path.sep).join('/');

/** The repository-relative path an import specifier points at, or null for a package. */
function target(source, file) {
  if (source.startsWith('#server/')) return `server/${source.slice('#server/'.length)}`;
  if (source.startsWith('#shared/')) return `shared/${source.slice('#shared/'.length)}`;
  if (source.startsWith('.')) return rel(path.resolve(path.dirname(file), source));
  return null;
}
const featureOf = (p) => /^server\/([^/]+)\//.exec(p)?.[1] ?? null;

const BUILDERS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'mergeInto', 'replaceInto', 'selectNoFrom']);
const SQL_TEXT =
  /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|LOCK|TRUNCATE|COPY|SET|LISTEN|NOTIFY|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|VACUUM|ANALYZE)\b/i;
const firstText = (node) =>
  node?.type === 'Literal' && typeof node.value === 'string'
    ? node.value
    : node?.type === 'TemplateLiteral'
      ? (node.quasis[0]?.value.cooked ?? '')
      : null;

const sqlInRepo = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL only in *.repo.ts files and server/db/' },
    schema: [],
    messages: {
      builder: 'SQL ({{what}}) belongs in a *.repo.ts file or server/db/: add a repo function and call it from here.',
    },
  },
  create(context) {
    let sqlNames = new Set();
    const report = (node, what) => context.report({ node, messageId: 'builder', data: { what } });
    return {
      ImportDeclaration(node) {
        if (node.source.value !== 'kysely') return;
        for (const s of node.specifiers)
          if (s.type === 'ImportSpecifier' && s.imported.name === 'sql' && s.importKind !== 'type' && node.importKind !== 'type') {
            sqlNames.add(s.local.name);
            report(s, "kysely's sql");
          }
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
        const name = callee.property.name;
        if (BUILDERS.has(name)) report(callee.property, `${name}()`);
        else if (name === 'query' && SQL_TEXT.test(firstText(node.arguments[0]) ?? '')) report(node, 'query()');
      },
      TaggedTemplateExpression(node) {
        if (node.tag.type === 'Identifier' && sqlNames.has(node.tag.name)) report(node, 'sql`…`');
      },
    };
  },
};

const noForeignRepo = {
  meta: {
    type: 'problem',
    docs: { description: "a feature never imports another feature's repo" },
    schema: [{ type: 'object', properties: { allow: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    messages: {
      foreign:
        "server/{{feature}}/ imports {{repo}}, another feature's repo: go through that feature's service, or have createServices hand it over (a type-only import is fine).",
    },
  },
  create(context) {
    const file = rel(context.filename);
    const feature = featureOf(file);
    const allow = new Set(context.options[0]?.allow ?? []);
    if (!feature) return {};
    const check = (node, source, typeOnly) => {
      if (typeOnly || typeof source !== 'string') return;
      const to = target(source, context.filename);
      if (!to || !/\.repo\.ts$/.test(to) || allow.has(to)) return;
      const other = featureOf(to);
      if (other && other !== feature) context.report({ node, messageId: 'foreign', data: { feature, repo: to } });
    };
    return {
      ImportDeclaration: (node) =>
        check(
          node,
          node.source.value,
          node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : null, false),
    };
  },
};

const noMigrationImport = {
  meta: {
    type: 'problem',
    docs: { description: 'nothing imports a migration but server/db/migrate.ts' },
    schema: [],
    messages: {
      migration: 'Only server/db/migrate.ts imports migrations ({{to}}): a migration is frozen, so what other code needs lives elsewhere.',
    },
  },
  create(context) {
    if (rel(context.filename) === 'server/db/migrate.ts') return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      const to = target(source, context.filename);
      if (to && to.startsWith('server/db/migrations/')) context.report({ node, messageId: 'migration', data: { to } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : null),
    };
  },
};

export default {
  meta: { name: 'kdesk-layers' },
  rules: { 'sql-in-repo': sqlInRepo, 'no-foreign-repo': noForeignRepo, 'no-migration-import': noMigrationImport },
};
