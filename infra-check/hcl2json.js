// Parses every .tf file under the given directory with HashiCorp's HCL parser (compiled to WASM) and fails on the
// first syntax error; prints the blocks found.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('@cdktf/hcl2json');

async function main(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.tf'));
  let blocks = 0;
  for (const file of files) {
    const json = await parse(file, fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const kind of Object.keys(json)) {
      blocks += Object.keys(json[kind]).length;
    }
  }
  console.log(`hcl2json: ${files.length} files parsed, ${blocks} top-level block groups`);
}

main(process.argv[2] || 'terraform').catch((e) => {
  console.error('HCL parse failed:', e.message || e);
  process.exit(1);
});
