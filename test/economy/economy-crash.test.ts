/**
 * The economy under crashes: players in two zones trade (within a zone and across zones), send
 * and claim mail and receive grants in random interleavings while the server process is killed
 * with SIGKILL and restarted. Afterwards the
 * database must show gold and every template's items conserved (grants, which create them, are
 * counted from the ledger), no operation twice, every operation a client was told succeeded,
 * and nothing left between owners.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite-store.ts';
import { mulberry32 } from '../../src/zone/random.ts';
import { TEST_ADMIN_TOKEN, TEST_SECRET } from '../helpers/server.ts';
import { within } from '../helpers/wait.ts';
import { chaosScale } from '../helpers/chaos.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const PLAYERS = 6;
/** Server processes killed with SIGKILL: three in every run, ten under `npm run chaos`. */
const KILLS = chaosScale(3, 10);

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly metricsPort: number;
}

/** The ports, from the process's "server ready" log line. */
function resolveWhenListening(child: ChildProcess): Promise<Server> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'server ready') resolve({ child, port: entry.port as number, metricsPort: entry.metricsPort as number });
    });
  });
}

it('conserves gold and items, applies every operation once, and keeps what clients were told, across kill -9', { timeout: 600_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-economy-crash-'));
  const random = mulberry32(7);
  /** Operation ids a client or the admin API was told had succeeded. */
  const told = new Set<string>();
  /** Which kinds of operation clients were told had succeeded, over the whole run. */
  const kindsTold = new Set<'grant' | 'mail' | 'claim' | 'trade within a zone' | 'trade across zones'>();
  try {
    for (let round = 0; round < KILLS; round++) {
      const server = await startReady(dataDir);
      const clients: ZoneClient[] = [];
      for (let id = 1; id <= PLAYERS; id++) {
        const client = await ZoneClient.connect(`ws://127.0.0.1:${server.port}`, { reconnect: false }); // the crash ends it: no resume from a killed server
        await client.enter(issueToken(TEST_SECRET, id, 600), `Trader${id}`);
        clients.push(client);
      }
      const busy = new Set<ZoneClient>();
      // The kill comes after a number of completed operations, not after a time: a slow machine
      // does the same work before each crash. Before the last one, every kind must have succeeded.
      const target = 6 + Math.floor(random() * 10);
      let completedThisRound = 0;
      let progressed = (): void => {};
      const completed = (): void => {
        completedThisRound++;
        progressed();
      };
      const grantsTold = (): number => [...told].filter((opId) => opId.startsWith('grant-')).length;
      const enoughDone = (): boolean =>
        completedThisRound >= target && (round < KILLS - 1 || (kindsTold.size === 5 && grantsTold() >= 6));
      const grant = async (): Promise<void> => {
        // Keys repeat across the run, so some grants are replays.
        const opId = `grant-${Math.floor(random() * 40)}`;
        const body = { opId, playerId: 1 + Math.floor(random() * PLAYERS), gold: 10 + Math.floor(random() * 90), items: random() < 0.5 ? [{ templateId: 1 + Math.floor(random() * 3), count: 1 + Math.floor(random() * 3) }] : [] };
        const response = await fetch(`http://127.0.0.1:${server.metricsPort}/admin/grants`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, body: JSON.stringify(body) });
        if (response.status === 200) {
          told.add(opId);
          kindsTold.add('grant');
        }
        completed();
      };
      const mail = async (client: ZoneClient): Promise<void> => {
        const to = 1 + Math.floor(random() * PLAYERS);
        const item = client.inventory?.items[Math.floor(random() * (client.inventory?.items.length ?? 0))];
        const result = await client.mailSend(to, Math.floor(random() * 30), item && random() < 0.5 ? [item.itemId] : []);
        if (result.ok) {
          told.add(result.opId);
          kindsTold.add('mail');
        }
        completed();
      };
      const claim = async (client: ZoneClient): Promise<void> => {
        const first = (await client.mailList()).mails[0];
        if (!first) return completed();
        const result = await client.mailClaim(first.mailId as number);
        if (result.ok) {
          told.add(result.opId);
          kindsTold.add('claim');
        }
        completed();
      };
      const trade = async (a: ZoneClient, b: ZoneClient): Promise<void> => {
        const opened = b.next('trade');
        // Within a zone by entity; across zones by player id, through the gateway.
        if (a.self?.zoneId === b.self?.zoneId) a.tradeOpen(b.self?.entityId as number);
        else a.tradeOpenWith(b.self?.playerId as number);
        await opened;
        const aItem = a.inventory?.items[0];
        const seen = b.next('trade', (t) => t.theirs?.gold !== undefined || (t.theirs?.itemIds?.length ?? 0) > 0);
        a.tradeOffer(Math.floor(random() * Math.max(1, a.inventory?.gold ?? 0)), aItem && random() < 0.5 ? [aItem.itemId] : []);
        await seen;
        const bothLocked = a.next('trade', (t) => t.mine?.locked === true && t.theirs?.locked === true);
        a.tradeLock();
        b.tradeLock();
        await bothLocked;
        const results = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
        const accepted = b.next('trade', (t) => t.theirs?.accepted === true);
        a.tradeAccept();
        await accepted;
        b.tradeAccept();
        const [result] = await results;
        if (result?.ok) {
          told.add(result.opId);
          kindsTold.add(a.self?.zoneId === b.self?.zoneId ? 'trade within a zone' : 'trade across zones');
        }
        completed();
      };
      const loop = async (client: ZoneClient): Promise<void> => {
        while (!client.closed) {
          if (busy.has(client)) {
            await client.next('tradeResult');
            continue;
          }
          const roll = random();
          try {
            if (roll < 0.25) await grant();
            else if (roll < 0.5) await mail(client);
            else if (roll < 0.7) await claim(client);
            else {
              const free = clients.filter((other) => other !== client && !busy.has(other) && !other.closed);
              const partner = free[Math.floor(random() * free.length)];
              if (!partner) continue;
              busy.add(client);
              busy.add(partner);
              try {
                await trade(client, partner);
              } finally {
                busy.delete(client);
                busy.delete(partner);
              }
            }
          } catch {
            // The crash closed a connection or a request mid-way: the database says what happened.
          }
          if (client.closed) return;
        }
      };
      const crashed = new Promise<void>((resolve) => clients.forEach((client) => client.on('close', () => resolve())));
      for (const client of clients) void loop(client).catch(() => undefined);
      await within(
        new Promise<void>((resolve) => {
          progressed = () => {
            if (enoughDone()) resolve();
          };
        }),
        `round ${round}: ${target} operations completed${round === KILLS - 1 ? ', with every kind and six grants told over the run' : ''}`,
        60_000,
      );
      const exited = once(server.child, 'exit');
      server.child.kill('SIGKILL');
      await exited;
      await crashed;
      // Every client has been closed by the crash: their loops are left where they stopped (a
      // request the crash cut off is never answered); the database says what happened.
      for (const client of clients) await client.close().catch(() => undefined);
    }
    // A last clean start and stop: start-up recovery, then a drain that must exit 0.
    const last = await startReady(dataDir);
    const stopped = once(last.child, 'exit');
    last.child.kill('SIGTERM');
    assert.equal((await stopped)[0], 0);

    const db = new DatabaseSync(join(dataDir, SQLITE_FILE_NAME), { readOnly: true });
    try {
      const grants = db.prepare("SELECT gold_from_a AS gold, result FROM ledger WHERE kind = 'grant' AND outcome = 'committed'").all() as { gold: number; result: string }[];
      const grantedGold = grants.reduce((sum, g) => sum + g.gold, 0);
      const grantedItems = new Map<number, number>();
      for (const g of grants) {
        for (const item of (JSON.parse(g.result) as { items: { templateId: number; count: number }[] }).items) {
          grantedItems.set(item.templateId, (grantedItems.get(item.templateId) ?? 0) + item.count);
        }
      }
      const wallets = (db.prepare('SELECT COALESCE(SUM(gold), 0) AS gold FROM wallets').get() as { gold: number }).gold;
      const inMail = (db.prepare("SELECT COALESCE(SUM(gold), 0) AS gold FROM mail WHERE status = 'unclaimed'").get() as { gold: number }).gold;
      assert.ok(grants.length > 5, `grants happened (${grants.length})`);
      assert.equal(wallets + inMail, grantedGold, 'gold in wallets and unclaimed mail is what grants created');
      const items = db.prepare('SELECT template_id AS templateId, SUM(count) AS count FROM items GROUP BY template_id').all() as { templateId: number; count: number }[];
      assert.deepEqual(new Map(items.map((row) => [row.templateId, row.count])), grantedItems, 'each template’s items are what grants created');
      const orphans = (db.prepare("SELECT COUNT(*) AS n FROM items i JOIN mail m ON i.mail_id = m.mail_id WHERE m.status = 'claimed'").get() as { n: number }).n;
      assert.equal(orphans, 0, 'no item is left in a claimed mail');
      const committed = new Set((db.prepare("SELECT op_id AS opId FROM ledger WHERE outcome = 'committed'").all() as { opId: string }[]).map((row) => row.opId));
      const missing = [...told].filter((opId) => !committed.has(opId));
      assert.deepEqual(missing, [], 'every operation a client was told succeeded is in the database');
      const kinds = db.prepare("SELECT kind, COUNT(*) AS n FROM ledger WHERE outcome = 'committed' GROUP BY kind").all() as { kind: string; n: number }[];
      const byKind = Object.fromEntries(kinds.map((row) => [row.kind, row.n]));
      assert.ok((byKind.trade ?? 0) > 0 && (byKind.mail_send ?? 0) > 0 && (byKind.mail_claim ?? 0) > 0, `every kind ran: ${JSON.stringify(byKind)}`);
      // Odd player ids live in zone 1, even ones in zone 2.
      const trades = db.prepare("SELECT SUM((player_a % 2) <> (player_b % 2)) AS across, SUM((player_a % 2) = (player_b % 2)) AS within FROM ledger WHERE kind = 'trade' AND outcome = 'committed'").get() as { across: number; within: number };
      assert.ok(trades.across > 0 && trades.within > 0, `trades within a zone and across zones committed: ${JSON.stringify(trades)}`);
      const online = (db.prepare('SELECT COUNT(*) AS n FROM characters WHERE online = 1').get() as { n: number }).n;
      assert.equal(online, 0, 'nobody left online');
      t.diagnostic(`chaos: ${KILLS} kill -9s under trades, mail and grants; ${committed.size} operations committed, ${told.size} told to clients, none lost; gold ${grantedGold} and ${grantedItems.size} templates' items conserved`);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function startReady(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, ADMIN_TOKEN: TEST_ADMIN_TOKEN, DATA_DIR: dataDir, ZONES: '1:200x200,2:200x200' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = resolveWhenListening(child);
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`server exited with ${String(code)} before it was ready`);
  });
  return Promise.race([ready, failed]);
}
