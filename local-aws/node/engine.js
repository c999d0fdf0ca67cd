// Starts one Kinesis engine for the local AWS harness and ends it together with the process that started it:
// when our stdin closes (the parent died, even by kill -9) or the parent PID disappears.
'use strict';
const engine = process.argv[2];
const port = Number(process.argv[3]);
const parentPid = Number(process.env.HARNESS_PARENT_PID || 0);

function exit() { process.exit(0); }
process.stdin.on('end', exit);
process.stdin.on('error', exit);
process.stdin.resume();
if (parentPid > 0) {
  setInterval(() => { try { process.kill(parentPid, 0); } catch (e) { exit(); } }, 1000);
}
process.on('SIGTERM', exit);
process.on('SIGINT', exit);

if (engine === 'kinesis-mock') {
  const path = require('path');
  const dir = path.dirname(require.resolve('kinesis-local/main.js'));
  process.env.KINESIS_MOCK_PLAIN_PORT = String(port);
  process.env.KINESIS_MOCK_TLS_PORT = process.env.KINESIS_MOCK_TLS_PORT || String(Number(process.argv[4] || 0));
  process.env.KINESIS_MOCK_CERT_PATH = path.join(dir, 'server.json');
  process.env.CREATE_STREAM_DURATION = process.env.CREATE_STREAM_DURATION || '0ms';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'WARN';
  require('kinesis-local/main.js');
} else if (engine === 'kinesalite') {
  const kinesalite = require('kinesalite');
  kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 })
    .listen(port, '127.0.0.1', (err) => {
      if (err) { console.error(err); process.exit(1); }
      console.log('kinesalite listening on ' + port);
    });
} else {
  console.error('usage: node engine.js kinesis-mock|kinesalite PORT [TLS_PORT]');
  process.exit(2);
}
