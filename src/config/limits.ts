/**
 * The server's fixed limits: values an operator does not set (those are in config.ts, read from
 * the environment), each with its unit in its name and the reason it has that value. Changing
 * one changes what the server promises, so each is written here once and imported where used.
 */

/** The zone tick (zone workers). */
export const ZoneLimits = Object.freeze({
  /**
   * Jobs one tick takes from its inbound ring. A ring flooded faster than the zone can work cannot
   * stretch one tick without bound; the rest wait in the ring for the next tick.
   */
  maxJobsPerTick: 50_000,
  /**
   * Frames are staged in batches of this many bytes before they go into the outbound ring: one
   * reservation per batch instead of one per frame; 256 KiB holds a tick's frames for about 800
   * viewers at 320 bytes.
   */
  frameBatchBytes: 256 * 1024,
  /**
   * A tick loop this many periods behind skips the missed ticks (and counts them) instead of
   * running them back to back, which would only fall further behind on a starved machine.
   */
  maxCatchUpTicks: 5,
  /** The longest stretch of standing still a player may spend in one burst of movement, seconds. */
  moveBudgetS: 1,
  /** How close two players must stand to open and keep a trade window, metres. */
  tradeRangeM: 10,
  /**
   * Due players wait up to this long to be gathered into one write-back batch, so that a zone
   * sends a few large batches rather than a small one every tick.
   */
  writeBackGatherMs: 1000,
  /**
   * A stopping zone looks this often whether everything is written back, so that it ends soon
   * after, and not only after its next tick (a second away at TICK_HZ=1).
   */
  stopCheckMs: 10,
  /**
   * Entities one zone shows a neighbour across their border per tick (border-board.ts): 40
   * bytes each in shared memory. Past this, the farthest-listed are left out that tick.
   */
  borderSightMaxEntities: 4096,
  /** A neighbour whose board has not changed for this long is taken for dead: its ghosts go. */
  borderBoardStaleMs: 1000,
  /**
   * A player handed to a neighbour stays shown here, where it was, until the neighbour lists it
   * as its own; after this many ticks without that (the hand-over failed), it goes.
   */
  departedGhostTicks: 40,
});

/** The gateway (main thread). */
export const GatewayLimits = Object.freeze({
  /**
   * Staging room for one zone's jobs in one event-loop turn. A full batch is written at once, so
   * this bounds memory, not throughput: 64 KiB is about 2,000 moves.
   */
  jobBatchBytes: 64 * 1024,
  /**
   * A frame pump whose zone has no frames wakes this often anyway, so that a pump of a dead zone
   * ends and LEAVEs waiting for room in a full ring are retried at least once a second.
   */
  framePumpRecheckMs: 1000,
  /**
   * Longer tokens are refused unread. An identity provider's RS256 JWT with a few claims is 1–2
   * KB; the whole log-in frame is bounded by MAX_PAYLOAD_BYTES anyway.
   */
  maxTokenChars: 8192,
  /**
   * Addresses remembered as having sent an invalid token, each logged once; past this many the
   * memory starts over, so a flood from many addresses costs bounded memory and some log lines.
   */
  invalidTokenAddressesKept: 10_000,
  /**
   * Client messages held for one session while its player changes zones (a hand-over takes a
   * tick or two; MSG_BURST bounds what a client may send meanwhile). Past this, a message is
   * refused as SERVER_BUSY rather than held.
   */
  maxHeldPerHandover: 256,
});

/** A game module's traffic (game/). */
export const GameLimits = Object.freeze({
  /**
   * Largest payload of one GameAction. An action is a request (attack this target, use that
   * item), a few bytes; anything larger is refused by the gateway before it costs a zone.
   */
  maxActionBytes: 1024,
});

/** The operations port (main thread). */
export const OpsLimits = Object.freeze({
  /** A worker that does not answer a scrape within this time is left out of that exposition. */
  scrapeTimeoutMs: 1000,
  /** Largest admin API request body: a grant of 32 stacks is under 2 KiB. */
  maxAdminBodyBytes: 64 * 1024,
  /** A kick's reason, shown to the client (its close frame carries at most 123 bytes of it). */
  maxKickReasonChars: 200,
  /** A zone's live map (the console's) is sampled at most this often: 10 Hz, whoever watches. */
  mapSampleIntervalMs: 100,
  /** Streams of one zone's live map at once; one more is refused. */
  maxMapWatchersPerZone: 16,
  /** A console session (a log-in with ADMIN_TOKEN in the browser) lasts this long. */
  consoleSessionMs: 8 * 3600_000,
  /** Console sessions kept at once; a new one beyond this ends the oldest. */
  maxConsoleSessions: 64,
});

/** Zone restarts and shutdown (main thread). */
export const SupervisorLimits = Object.freeze({
  /** A zone that keeps dying waits at most this long between restarts. */
  maxRestartDelayMs: 30_000,
  /** A zone that ran at least this long before dying is restarted after the base delay again. */
  stableRunMs: 60_000,
  /**
   * The same signal again within this time is the first one delivered twice (a terminal's Ctrl-C
   * reaches npm and the server, and npm passes its copy on), not a second request to stop at once.
   */
  repeatedSignalMs: 1000,
  /** A stopping zone gets the shutdown deadline less this margin, so that its answer arrives in time. */
  stopAnswerMarginMs: 100,
  /**
   * A store worker that died is started again after this delay, doubling while it keeps dying
   * soon after starting, up to maxStoreRestartDelayMs: short, since every log-in and write waits.
   */
  storeRestartDelayMs: 100,
  maxStoreRestartDelayMs: 5_000,
  /**
   * Each zone and store worker's young generation (V8's two semi-spaces and its new large object
   * space). Left to V8 it grows as allocation asks, up to 192 MiB a thread on a 24 GiB machine,
   * and a process of four threads climbs by hundreds of MiB it holds no data in. 6 MiB (2 MiB
   * semi-spaces) keeps the zone tick's p99 within noise of the default's at 2,000 players, where
   * 1 MiB semi-spaces cost about a quarter (bench/README.md, "Soak").
   */
  workerYoungGenerationMb: 6,
});

/**
 * Node's flags for the server process, which cannot size its heaps once it runs: `npm start`,
 * the Dockerfile and the README's systemd unit pass them (test/deploy keeps the three in step),
 * and so does the benchmarks' server.
 * - `--max-semi-space-size=2` gives the main thread the workers' young generation
 *   (SupervisorLimits.workerYoungGenerationMb: 2 MiB semi-spaces).
 * - `--heap-growing-percent=50` lets every thread's old generation grow to 1.5 times what it
 *   held after a major collection before the next, where V8 would otherwise let it grow up to
 *   fourfold: at 1,000 moving players that took the memory per player from 66–85 to 33 KiB
 *   with no CPU per message or tick p99 to show for it (bench/README.md, "End to end").
 */
export const MAIN_THREAD_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=2', '--heap-growing-percent=50']);

/** The NODE_ID lease on a MySQL database (lease/node-lease.ts). */
export const LeaseLimits = Object.freeze({
  /** Waited past a held lease's expiry before looking again, for the two clocks' rounding. */
  nodeLeaseSlackMs: 250,
});

/** The store worker. */
export const StoreLimits = Object.freeze({
  /**
   * Rows per multi-row economy statement (reads by key and inserts): within MySQL's default
   * max_allowed_packet and SQLite's 32,766 parameters whatever the width of the row.
   */
  rowsPerStatement: 500,
  /** Group transactions committing at once, each on its own connection (SQLite: always 1). */
  groupsInFlight: 2,
  /** Retries of a group transaction after a deadlock or lock-wait timeout, before its operations fail. */
  deadlockRetries: 5,
  /** Item and mail ids reserved per committed block, so several nodes create rows on one database. */
  idBlockSize: 1000,
  /**
   * A store client waits this much longer than STORE_CALL_TIMEOUT_MS before it gives a call up,
   * so that the store's own time limit (which closes the call's connection) comes first.
   */
  clientTimeoutMarginMs: 1_000,
  /** A MySQL connection attempt that takes longer fails: the store reports the database as unreachable. */
  mysqlConnectTimeoutMs: 3000,
  /** How long a starting node waits for another node's migrations, seconds. */
  migrationLockTimeoutS: 60,
  /** Player ids listed in one log line about refused stale saves. */
  staleIdsLogged: 20,
});

/**
 * Retries of store calls that failed without an answer (the database is away): the write-back,
 * and trades, grants and mail. The first retry comes quickly, in case it was a blip; then the wait
 * doubles, and is capped so that a database that comes back is used within seconds.
 */
export const StoreRetryBackoff = Object.freeze({ firstMs: 250, maxMs: 10_000 });

/**
 * Pauses before a deadlocked group transaction runs again: random up to the backoff's delay, so
 * that two victims of one deadlock do not collide again.
 */
export const DeadlockRetryBackoff = Object.freeze({ firstMs: 4, maxMs: 64 });

/** The economy's rules (economy/), the same for every thread and both backends. */
export const EconomyLimits = Object.freeze({
  /** The most gold one operation may move (per side of a trade). */
  maxGoldPerOp: 1_000_000_000,
  /** No wallet may hold more; keeps every balance an exact JavaScript number. */
  maxGoldBalance: 1_000_000_000_000_000,
  /** Item ids per side of a trade, per mail, and stacks per grant: bounds every transaction's locks. */
  maxItemsPerOp: 32,
  /** The largest stack a grant or a system mail may create. */
  maxStackCount: 1_000_000,
  /** Template ids are signed 32-bit in the schema. */
  maxTemplateId: 2_147_483_647,
  /** listMail returns at most this many mails, oldest first, so one answer stays small. */
  maxMailListed: 100,
});
