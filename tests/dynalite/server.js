// Starts dynalite (in memory) on a free loopback port and prints "dynalite listening on http://127.0.0.1:<port>".
// Table creation and deletion take --create-ms / --delete-ms (default 500 ms), so callers must wait for ACTIVE as on AWS.
// Exits when stdin closes, so a test that dies does not leave it running.
'use strict';
const dynalite = require('dynalite');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const server = dynalite({
  createTableMs: option('--create-ms', 500),
  deleteTableMs: option('--delete-ms', 500),
  updateTableMs: option('--update-ms', 500),
});
server.listen(option('--port', 0), '127.0.0.1', () => {
  process.stdout.write(`dynalite listening on http://127.0.0.1:${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
