// Parses every LogQL form of docs/loki.md's table with @grafana/lezer-logql, the grammar Grafana's query editor uses:
// a form must parse without an error node, as the kind its row gives (a log form has no MetricExpr, a metric form
// has one). Exits non-zero on any difference.
import { readFileSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';

const doc = readFileSync(process.argv[2], 'utf8');
const table = doc.split('<!-- logql-forms -->')[1]?.split('<!-- /logql-forms -->')[0];
if (!table) {
  console.error('no <!-- logql-forms --> table in ' + process.argv[2]);
  process.exit(1);
}
const cells = (line) => line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
const rows = table.trim().split('\n').slice(2).map(cells);
let failures = 0;
for (const [construct, kind, example, answer] of rows) {
  const query = example.replace(/^`|`$/g, '');
  const names = new Set();
  let error = false;
  parser.parse(query).iterate({ enter(node) { names.add(node.name); if (node.type.isError) error = true; } });
  const parsedKind = names.has('MetricExpr') ? 'metric' : 'log';
  const ok = !error && parsedKind === kind;
  failures += ok ? 0 : 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${kind.padEnd(6)} ${answer.startsWith('400') ? 'refused' : 'served '}  ${construct}: ${query}`
    + (ok ? '' : `  (grammar: ${error ? 'error node' : parsedKind})`));
}
console.log(`${rows.length} forms, ${failures} not parsed as documented`);
process.exit(failures === 0 && rows.length > 0 ? 0 : 1);
