/**
 * Every environment variable the server reads (the README's configuration table lists the same
 * names; a test keeps the three in step), and the check that finds likely typos among the others.
 */
export const SETTING_NAMES: readonly string[] = [
  'ADMIN_TOKEN', 'CHAT_BURST', 'CHAT_MAX_CHARS', 'CHAT_RATE_PER_SEC', 'DATA_DIR', 'ECONOMY_GROUP_MAX_OPS',
  'ECONOMY_MAX_QUEUED', 'FLUSH_BATCH_ROWS', 'FLUSH_INTERVAL_MS', 'GAME_MODULE', 'HANDOVER_MARGIN_M', 'HOST', 'INBOUND_RING_BYTES', 'JOURNAL', 'JOURNAL_DIR',
  'LOGIN_TIMEOUT_MS', 'LOGOUT_SAVE_TIMEOUT_MS', 'LOG_FORMAT', 'LOG_LEVEL', 'MAX_BUFFERED_BYTES', 'MAX_PAYLOAD_BYTES',
  'MAX_PENDING_LOGINS', 'MAX_SESSIONS', 'MAX_SESSIONS_PER_IP', 'MAX_SPEED_MPS', 'METRICS_HOST', 'METRICS_PORT',
  'MSG_BURST', 'MSG_RATE_PER_SEC', 'MYSQL_POOL_SIZE', 'MYSQL_URL', 'NODE_ENV', 'NODE_ID', 'NODE_LEASE_MS', 'NPCS_PER_ZONE',
  'OUTBOUND_RING_BYTES', 'PORT', 'RESUME_WINDOW_MS', 'SHUTDOWN_DEADLINE_MS', 'SIGHT_ACROSS_BORDERS', 'SPATIAL_INDEX', 'SPEED_TOLERANCE',
  'STORE_CALL_TIMEOUT_MS', 'TICK_HZ', 'TOKEN_AUDIENCE', 'TOKEN_ISSUER', 'TOKEN_JWKS_URL', 'TOKEN_MAX_LIFETIME_S',
  'TOKEN_PLAYER_CLAIM', 'TOKEN_PUBLIC_KEY_FILE', 'TOKEN_SECRET', 'VIEW_MARGIN_M', 'VIEW_MAX_ENTITIES', 'VIEW_RADIUS_M',
  'VIEW_REFRESH_TICKS', 'VIEW_SEND_TICKS', 'WORLD_FILE', 'ZONES', 'ZONE_RESTART_DELAY_MS', 'ZONE_WATCHDOG_MS',
];

/** First words that other software uses too (NODE_OPTIONS, MYSQL_PWD…): no typo is guessed there. */
const SHARED_FIRST_WORDS = new Set(['NODE', 'MYSQL']);

export interface UnknownSetting {
  readonly name: string;
  /** The known name it is closest to, when it is close. */
  readonly nearest: string | undefined;
}

/**
 * Variables set in `env` that are not ours but start with the first word of one of ours
 * (`FLUSH_INTERVAL`, `ZONE_RESTART_MS`, `TOKEN_SECERT`): most likely a typo, which would
 * otherwise be ignored without a word.
 */
export function unknownSettings(env: Record<string, string | undefined>): UnknownSetting[] {
  const known = new Set(SETTING_NAMES);
  const firstWords = new Set(SETTING_NAMES.map(firstWord).filter((word) => !SHARED_FIRST_WORDS.has(word)));
  return Object.keys(env)
    .filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name) && !known.has(name) && firstWords.has(firstWord(name)))
    .sort()
    .map((name) => ({ name, nearest: nearestName(name) }));
}

/** ZONE_RESTART_DELAY_MS → ZONE; ZONES → ZONE, so that ZONES_X and ZONE_X count as the same family. */
function firstWord(name: string): string {
  return (name.split('_')[0] ?? name).replace(/S$/, '');
}

function nearestName(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of SETTING_NAMES) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) [best, bestDistance] = [known, distance];
  }
  // Further than a third of the name away is not a typo of it.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
