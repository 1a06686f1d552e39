#!/usr/bin/env node
// Thin shim: everything lives in the built CLI (npm ci builds it through `prepare`).
import { main } from '../dist/cli/main.js';

/** How long Node may take to exit on its own once the run is over (reports written, processes stopped). */
const EXIT_GRACE_MS = 5000;

process.exitCode = await main(process.argv);
// mqleak exits on its own once its work is done. Should a handle still hold the event loop (as reset sockets
// did before the fix in net/transport.ts), say what holds it and exit anyway: a CI gate must never hang.
// The timer is unref'd: it never keeps the process alive by itself.
setTimeout(() => {
  const kinds = {};
  for (const handle of process._getActiveHandles()) {
    const kind = handle?.constructor?.name ?? 'unknown';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  const held = Object.entries(kinds).map(([kind, count]) => `${kind} ×${count}`);
  process.stderr.write(
    `mqleak: did not exit on its own ${EXIT_GRACE_MS / 1000} s after the run (open: ${held.join(', ')}); exiting\n`,
    () => process.exit(),
  );
}, EXIT_GRACE_MS).unref();
