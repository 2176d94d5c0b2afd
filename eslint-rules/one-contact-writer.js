// ESLint rule: `contacts` and `audit_log` have one writer (server/contacts/contacts-writer.repo.ts, called
// through contacts.writer.ts). Anywhere else a Kysely insertInto/updateTable/deleteFrom on them, or raw SQL
// that inserts, updates, deletes, copies into or truncates them, is an error: call the writer instead.
const WRITE_METHODS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto']);
const KYSELY_TABLE = /^\s*(contacts|auditLog|audit_log)(\s+as\s+\w+)?\s*$/;
const RAW_WRITE =
  /\b(insert\s+into|update|delete\s+from|copy|truncate(\s+table)?|merge\s+into)\s+(only\s+)?("?public"?\s*\.\s*)?"?(contacts|audit_log)"?(?![\w.])/i;

const message = (table) =>
  `Only the contact writer (server/contacts/contacts.writer.ts) writes ${table}; call it so the version, audit rows and side effects stay the same on every path`;

function tableOfRaw(text) {
  const m = RAW_WRITE.exec(text);
  return m ? m[5] : null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const oneContactWriter = {
  meta: {
    type: 'problem',
    docs: { description: 'contacts and audit_log are written only by the contact writer' },
    schema: [],
  },
  create(context) {
    const checkText = (node, text) => {
      const table = tableOfRaw(text);
      if (table) context.report({ node, message: message(table) });
    };
    const isSqlTag = (tag) =>
      (tag.type === 'Identifier' && tag.name === 'sql') ||
      (tag.type === 'MemberExpression' && tag.object.type === 'Identifier' && tag.object.name === 'sql');
    const templateText = (t) => t.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ');
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
        const arg = node.arguments[0];
        if (!arg) return;
        const name = callee.property.name;
        if (WRITE_METHODS.has(name) && arg.type === 'Literal' && typeof arg.value === 'string' && KYSELY_TABLE.test(arg.value)) {
          context.report({ node, message: message(arg.value.trim().split(/\s/)[0]) });
          return;
        }
        // raw SQL handed to sql.raw(), a pg client's query() or a COPY stream
        if (name === 'raw' || name === 'query' || name === 'from' || name === 'to') {
          if (arg.type === 'Literal' && typeof arg.value === 'string') checkText(arg, arg.value);
          else if (arg.type === 'TemplateLiteral') checkText(arg, templateText(arg));
        }
      },
      TaggedTemplateExpression(node) {
        if (isSqlTag(node.tag)) checkText(node, templateText(node.quasi));
      },
    };
  },
};

export default { rules: { 'one-contact-writer': oneContactWriter } };
