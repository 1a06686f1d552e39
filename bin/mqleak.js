#!/usr/bin/env node
// Thin shim: everything lives in the built CLI (npm ci builds it through `prepare`).
import { main } from '../dist/cli/main.js';
process.exitCode = await main(process.argv);
