#!/usr/bin/env node
// Thin shim: everything lives in the built CLI (npm ci builds it through `prepare`).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
// The reports are written and every process mqleak started is stopped: exit now rather than wait on Node's
// own shutdown, which was seen to spin forever on a socket request left behind by a raw protocol-errors case.
// Flush what is still queued for stdout and stderr first (they are asynchronous when piped).
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))));
process.exit(code);
