#!/usr/bin/env node
import { existsSync } from 'node:fs';

const entry = new URL('../dist/gateway/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('qb-bridge is not built yet: run `npm run build` first');
  process.exit(1);
}
await import(entry.href);
