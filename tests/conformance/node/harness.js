'use strict';
// What every client script shares. A script reads {"config": {...}, "calls": [{"op", "args"}]} on
// stdin, builds its client from config, makes the calls in order and prints one outcome per call
// as a JSON array on stdout: {"ok": true, "value"} or {"ok": false, "error": {name, code, status,
// message, requestId, data}}. An unknown op is a crash (exit code 1), not an outcome.

const fs = require('fs');

function plain(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function describe(error) {
  return {
    name: error.name || null,
    code: error.code === undefined ? null : error.code,
    status: error.statusCode || error.status || null,
    message: String(error.message),
    requestId: error.requestId || null,
    data: plain(error.data),
  };
}

async function serve(makeClient, ops) {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const client = makeClient(input.config);
  const outcomes = [];
  for (const call of input.calls) {
    const op = ops[call.op];
    if (!op) throw new Error(`unknown op ${call.op}; known: ${Object.keys(ops).join(', ')}`);
    try {
      outcomes.push({ ok: true, value: plain(await op(client, call.args || {}, input.config)) });
    } catch (error) {
      outcomes.push({ ok: false, error: describe(error) });
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
}

function main(makeClient, ops) {
  serve(makeClient, ops).catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
}

module.exports = { main };
