import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_TOKEN_SECRET, loadConfig } from '../../src/config/config.ts';
import { SETTING_NAMES, unknownSettings } from '../../src/config/setting-names.ts';

it('has the documented defaults', () => {
  const config = loadConfig({}, false);
  assert.equal(config.port, 7777);
  assert.equal(config.metricsPort, 9464);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.zones.map((zone) => zone.name), ['meadow', 'forest', 'hills', 'lake', 'crypt']);
  assert.equal(config.world.portals.length, 2);
  assert.equal(config.handoverMarginM, 4);
  assert.equal(config.tickHz, 20);
  assert.equal(config.tokenSecret, DEV_TOKEN_SECRET);
  assert.equal(config.usingDevSecret, true);
  assert.equal(config.logFormat, 'json');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.zones));
});

it('reads zones as a count, an id:WIDTHxHEIGHT list, or a world file', () => {
  assert.deepEqual(loadConfig({ ZONES: '2' }, false).zones.map((z) => [z.id, z.widthM, z.heightM]), [
    [1, 1000, 1000],
    [2, 1000, 1000],
  ]);
  assert.deepEqual(loadConfig({ ZONES: '5:200x300, 9:50.5x60' }, false).zones.map((z) => [z.id, z.widthM, z.heightM]), [
    [5, 200, 300],
    [9, 50.5, 60],
  ]);
  const world = loadConfig({ WORLD_FILE: new URL('../../examples/world.json', import.meta.url).pathname }, false);
  assert.deepEqual(world.zones.map((z) => z.name), ['meadow', 'forest', 'hills', 'crypt']);
  assert.equal(world.world.portals.length, 2);
});

it('refuses bad values with an error that names the variable', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ TICK_HZ: '20.5' }, /TICK_HZ must be a whole number/],
    [{ ZONES: '0' }, /ZONES must be between 1 and 64/],
    [{ ZONES: '1:10x10,1:20x20' }, /lists zone 1 twice/],
    [{ ZONES: 'forest' }, /not id:WIDTHxHEIGHT/],
    [{ ZONES: '2', WORLD_FILE: 'world.json' }, /set WORLD_FILE or ZONES, not both/],
    [{ WORLD_FILE: '/nonexistent/world.json' }, /WORLD_FILE \/nonexistent\/world.json cannot be read/],
    [{ INBOUND_RING_BYTES: '100000' }, /INBOUND_RING_BYTES must be a power of two/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ TOKEN_SECRET: 'short' }, /at least 16 characters/],
    [{ NODE_ENV: 'production' }, /TOKEN_SECRET must be set when NODE_ENV=production/],
    [{ SPEED_TOLERANCE: 'abc' }, /SPEED_TOLERANCE must be a number/],
  ];
  for (const [env, message] of bad) assert.throws(() => loadConfig(env, false), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
});

it('logs pretty in development and on a terminal, JSON in production', () => {
  assert.equal(loadConfig({ NODE_ENV: 'development' }, false).logFormat, 'pretty');
  assert.equal(loadConfig({}, true).logFormat, 'pretty');
  assert.equal(loadConfig({ NODE_ENV: 'production', TOKEN_SECRET: 'x'.repeat(32) }, true).logFormat, 'json');
  assert.equal(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat, 'json');
});

it('checks HOST and METRICS_HOST, and that PORT and METRICS_PORT differ', () => {
  assert.equal(loadConfig({ HOST: '0.0.0.0', METRICS_HOST: '::1' }, false).metricsHost, '::1');
  assert.equal(loadConfig({ HOST: 'game-01.internal' }, false).host, 'game-01.internal');
  assert.throws(() => loadConfig({ HOST: 'http://0.0.0.0' }, false), /HOST must be an IP address or a host name/);
  assert.throws(() => loadConfig({ METRICS_HOST: '10.0.0.1:9464' }, false), /METRICS_HOST must be an IP address or a host name/);
  assert.throws(() => loadConfig({ PORT: '8000', METRICS_PORT: '8000' }, false), /PORT and METRICS_PORT are both 8000/);
  assert.equal(loadConfig({ PORT: '0', METRICS_PORT: '0' }, false).port, 0, 'two free ports picked by the system may both be asked for as 0');
});


it('checks DATA_DIR: a directory, or a path that can become one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zone-config-'));
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    assert.equal(loadConfig({ DATA_DIR: join(dir, 'new', 'deeper') }, false).dataDir, join(dir, 'new', 'deeper'), 'created later when missing');
    assert.throws(() => loadConfig({ DATA_DIR: file }, false), /DATA_DIR .*a-file is not a directory/);
    assert.throws(() => loadConfig({ DATA_DIR: join(file, 'below') }, false), /DATA_DIR .* cannot be created: .*a-file is not a directory/);
    assert.equal(loadConfig({ DATA_DIR: file, MYSQL_URL: 'mysql://root@127.0.0.1:3306/zone' }, false).dataDir, file, 'unused with MySQL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('names the settings a variable was probably meant to be, and leaves other software\'s alone', () => {
  const found = unknownSettings({ FLUSH_INTERVAL: '5', TOKEN_SECERT: 'x', ZONE_WATCHDOG: '1', ZONES_FILE: 'w.json', FLUSH_INTERVAL_MS: '5', NODE_OPTIONS: '--max-old-space-size=4096', MYSQL_PWD: 'x', PATH: '/bin', npm_config_cache: '/tmp' });
  assert.deepEqual(found, [
    { name: 'FLUSH_INTERVAL', nearest: 'FLUSH_INTERVAL_MS' },
    { name: 'TOKEN_SECERT', nearest: 'TOKEN_SECRET' },
    { name: 'ZONES_FILE', nearest: undefined },
    { name: 'ZONE_WATCHDOG', nearest: 'ZONE_WATCHDOG_MS' },
  ]);
});

it('knows every variable config.ts reads, and the README documents each of them', () => {
  const source = readFileSync(new URL('../../src/config/config.ts', import.meta.url), 'utf8');
  const read = new Set([...source.matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)|\(env, '([A-Z][A-Z0-9_]+)'/g)].map((match) => (match[1] ?? match[2]) as string));
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`(?:, `([A-Z][A-Z0-9_]+)`)? \|/gm)].flatMap((match) => [match[1], match[2]].filter((name) => name !== undefined)));
  assert.deepEqual([...read].sort(), [...SETTING_NAMES].sort(), 'SETTING_NAMES lists what config.ts reads');
  assert.deepEqual([...documented].sort(), [...SETTING_NAMES].sort(), 'the README configuration table lists every setting');
});
