/** Error codes and close codes stay unique, and the protocol docs list every one of them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SessionEnds } from '../../src/protocol/session-ends.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';

const protoReadme = readFileSync(new URL('../../proto/README.md', import.meta.url), 'utf8');

it('pins the set of error codes: adding one means documenting it', () => {
  const names = Object.keys(ErrorCode).filter((name) => Number.isNaN(Number(name)) && name !== 'ERROR_CODE_UNSPECIFIED');
  assert.equal(names.length, 30);
  for (const name of names) {
    const row = new RegExp(`\\| \`${name}\` \\(${ErrorCode[name as keyof typeof ErrorCode]}\\) \\|`);
    assert.match(protoReadme, row, `${name} is listed in proto/README.md with its number`);
  }
});

it('gives every session end its own kind, and every close code its own meaning', () => {
  const ends = Object.values(SessionEnds);
  assert.equal(new Set(ends.map((end) => end.kind)).size, ends.length, 'metric kinds are unique');
  const private4xxx = ends.filter((end) => end.closeCode >= 4000);
  assert.equal(new Set(private4xxx.map((end) => end.closeCode)).size, private4xxx.length, 'application close codes are unique');
  for (const end of private4xxx) assert.match(protoReadme, new RegExp(`\\| ${end.closeCode} \\|`), `close code ${end.closeCode} is documented`);
});

it('never gives two session ends the same error code and close code, nor the same reason text', () => {
  const ends = Object.entries(SessionEnds);
  const byCodes = new Map<string, string>();
  for (const [name, end] of ends) {
    const key = `${end.code}/${end.closeCode}`;
    assert.ok(!byCodes.has(key), `${name} and ${byCodes.get(key)} would look the same to a client (code ${end.code}, close ${end.closeCode})`);
    byCodes.set(key, name);
  }
  assert.equal(new Set(ends.map(([, end]) => end.reason)).size, ends.length, 'close reasons are unique');
});
