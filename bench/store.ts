import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../gateway/src/store/database';
import { SecretBox } from '../gateway/src/store/secrets';

/** Baseline numbers for the store every flow writes through: ledger-style inserts and secret sealing. */
export async function run(): Promise<Array<Record<string, unknown>>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qbb-bench-store-'));
  const db = openDatabase(dir);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)');
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const n = 20_000;
  let started = performance.now();
  for (let i = 0; i < n; i++) insert.run(`key-${i}`, 'x'.repeat(64));
  const singleMs = performance.now() - started;
  const box = new SecretBox(crypto.randomBytes(32));
  started = performance.now();
  for (let i = 0; i < n; i++) box.decrypt(box.encrypt('token-value-of-typical-length-0123456789abcdef'));
  const sealMs = performance.now() - started;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    { metric: 'autocommit_inserts_per_s', value: Math.round(n / (singleMs / 1000)), n },
    { metric: 'secret_seal_open_per_s', value: Math.round(n / (sealMs / 1000)), n },
  ];
}
