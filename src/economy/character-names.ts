/**
 * Character names: one function decides, used by the gateway before it asks the store and by the
 * store before it writes. ASCII only, so that SQLite's NOCASE and MySQL's utf8mb4_unicode_ci agree
 * on which names collide ('Bob' and 'bob' do).
 */
import { NameRefusals, type NameRefusal } from '../protocol/reasons.ts';

const NameRules = Object.freeze({
  minLength: 3,
  maxLength: 16,
  /** Refused whatever their case. */
  reserved: Object.freeze(['admin', 'administrator', 'gamemaster', 'moderator', 'mod', 'system', 'server', 'support', 'staff', 'root', 'console', 'null', 'undefined']),
  /** Names may not begin with these either ('AdminBob', 'SystemNotice'). */
  reservedPrefixes: Object.freeze(['admin', 'gamemaster', 'moderator', 'system']),
});

/** undefined when `name` is a valid character name, else the first rule it breaks. */
export function checkCharacterName(name: string): NameRefusal | undefined {
  if (name.length < NameRules.minLength) return NameRefusals.tooShort;
  if (name.length > NameRules.maxLength) return NameRefusals.tooLong;
  // ASCII only, so that SQLite's NOCASE and MySQL's utf8mb4_unicode_ci agree on which names collide.
  if (!/^[A-Za-z0-9]+$/.test(name)) return NameRefusals.badCharacter;
  if (!/^[A-Za-z]/.test(name)) return NameRefusals.mustStartWithLetter;
  const key = nameKey(name);
  if (NameRules.reserved.includes(key) || NameRules.reservedPrefixes.some((prefix) => key.startsWith(prefix))) return NameRefusals.reserved;
  return undefined;
}

/** The form names collide in: 'Bob' and 'bob' have one key. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
