import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
const t = tableFromIPC(readFileSync(process.argv[2]));
console.log(t.numRows, t.schema.fields.map(f => `${f.name}:${f.type}`).join(' '));
console.log(JSON.stringify(t.get(0)?.toJSON()));
