/** The migration files and the runner's choice of what is due (sql/README.md). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { migrationsFor, pendingMigrations, readMigrations, type Migration } from '../../src/store/migrations.ts';

it('keeps the MySQL and SQLite dialects in step: the same numbers and names', () => {
  const mysql = migrationsFor('mysql');
  assert.ok(mysql.length > 0);
  assert.deepEqual(
    migrationsFor('sqlite').map((m) => m.name),
    mysql.map((m) => m.name),
  );
  assert.deepEqual(
    mysql.map((m) => m.version),
    mysql.map((_, i) => i + 1),
    'numbered 001, 002, … with no gaps',
  );
});

it('reads a directory in version order and refuses stray names and reused numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zone-migrations-'));
  try {
    writeFileSync(join(dir, '002_second.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '001_first.sql'), 'SELECT 1;');
    assert.deepEqual(readMigrations(dir), [
      { version: 1, name: '001_first', sql: 'SELECT 1;' },
      { version: 2, name: '002_second', sql: 'SELECT 2;' },
    ]);
    writeFileSync(join(dir, '002_again.sql'), '');
    assert.throws(() => readMigrations(dir), /two migrations numbered 002/);
    rmSync(join(dir, '002_again.sql'));
    writeFileSync(join(dir, 'notes.txt'), '');
    assert.throws(() => readMigrations(dir), /notes.txt is not a migration name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('runs what the database lacks, in order, and refuses a migration renamed after it ran', () => {
  const all: Migration[] = [1, 2, 3].map((version) => ({ version, name: `00${version}_m${version}`, sql: '' }));
  assert.deepEqual(pendingMigrations(all, []), all);
  assert.deepEqual(pendingMigrations(all, [{ version: 1, name: '001_m1' }, { version: 3, name: '003_m3' }]), [all[1]]);
  assert.deepEqual(pendingMigrations(all, all), []);
  assert.throws(() => pendingMigrations(all, [{ version: 2, name: '002_old_name' }]), /migration 2 was applied as 002_old_name but the file is now 002_m2/);
});
