/** The reasons registry stays whole, and the protocol docs list every reason and refusal sentence. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { ChatRefusals, CreateRefusals, EconomyRefusals, GameActionRefusals, MailReasons, NameRefusals, RefusalMessages, TradeReasons } from '../../src/protocol/reasons.ts';

/** Every reason the server can give, each once. */
const ALL_REASONS: readonly string[] = [
  ...new Set([NameRefusals, CreateRefusals, EconomyRefusals, TradeReasons, MailReasons, ChatRefusals, GameActionRefusals].flatMap((group) => Object.values(group) as string[])),
];

const protoReadme = readFileSync(new URL('../../proto/README.md', import.meta.url), 'utf8');
const reasonsSection = protoReadme.slice(protoReadme.indexOf('## Reasons'), protoReadme.indexOf('## Life of a session'));

it('pins the set of reasons: adding one means documenting it', () => {
  assert.equal(ALL_REASONS.length, 47);
  for (const reason of ALL_REASONS) {
    assert.match(reason, /^[A-Z][A-Z_]+$/, `${reason} is one machine-readable word`);
    assert.match(reasonsSection, new RegExp(`^\\| \`${reason}\` \\|`, 'm'), `${reason} has a row in proto/README.md, "Reasons"`);
  }
  const documented = [...reasonsSection.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1] as string).filter((word) => !word.startsWith('ERROR_CODE_'));
  assert.deepEqual([...documented].sort(), [...ALL_REASONS].sort(), 'the docs list no reason the server cannot send');
});

it('gives each reason one name within its group, and shares a word between groups only where the meaning is one', () => {
  for (const group of [NameRefusals, CreateRefusals, EconomyRefusals, TradeReasons, MailReasons, ChatRefusals, GameActionRefusals]) {
    const values = Object.values(group) as string[];
    assert.equal(new Set(values).size, values.length);
  }
  const groups = [NameRefusals, CreateRefusals, EconomyRefusals, TradeReasons, ChatRefusals, GameActionRefusals].map((group) => Object.values(group) as string[]);
  const groupOf = new Map<string, number>();
  groups.forEach((values, i) => {
    for (const value of values) {
      assert.ok(!groupOf.has(value), `${value} is in two groups`);
      groupOf.set(value, i);
    }
  });
  // Mail's COMMITTED is the trade's, on purpose: both mean committed in the database.
  assert.equal(MailReasons.committed, TradeReasons.committed);
});

it('lists every refusal sentence with its error code', () => {
  const messages = Object.values(RefusalMessages);
  assert.equal(new Set(messages.map((m) => m.message)).size, messages.length, 'sentences are unique');
  for (const { code, message } of messages) {
    const name = ErrorCode[code];
    assert.match(reasonsSection, new RegExp(`^\\| \`${name}\` \\| ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|$`, 'm'), `"${message}" is listed with ${name}`);
  }
});
