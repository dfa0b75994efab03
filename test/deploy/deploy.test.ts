/**
 * The deployment stack, checked without a Docker engine: the Dockerfile and .dockerignore,
 * docker-compose.yml against the server's configuration and the files it mounts, the
 * Prometheus and Grafana provisioning against each other, the dashboard's queries against the
 * metrics a real server exposes, and promtool on the Prometheus config, on every dashboard
 * expression and on a live /metrics exposition. Without promtool those checks skip, loudly, and
 * fail under CI=true.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.ts';
import { MAIN_THREAD_NODE_FLAGS } from '../../src/config/limits.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  dockerIgnores,
  execForm,
  exposedFamilies,
  findPromtool,
  interpolate,
  interpolateDeep,
  InterpolationError,
  parseDockerfile,
  promqlMetricNames,
  run,
  seriesNames,
  stageEnv,
  type Stage,
} from './stack-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/**
 * Metrics a dashboard panel may show before the server exposes them (none today). Everything
 * else a panel queries must be in a live server's /metrics, so a typo fails. Once one of these
 * ships, take it off this list (the test notes which, and fails if it shipped with another type).
 */
const METRICS_TO_COME: Readonly<Record<string, 'counter' | 'gauge' | 'histogram'>> = {};

/** What the dashboard must chart, one metric per area (a panel deleted by mistake fails). */
const DASHBOARD_MUST_SHOW = [
  'zone_tick_duration_seconds_bucket',
  'zone_tick_overruns_total',
  'zone_players',
  'zone_entities',
  'ring_used_bytes',
  'ring_capacity_bytes',
  'gateway_frames_received_total',
  'gateway_frames_sent_total',
  'gateway_bytes_received_total',
  'gateway_bytes_sent_total',
  'gateway_sessions',
  'gateway_protocol_errors_total',
  'gateway_session_closes_total',
  'zone_view_duration_seconds_bucket',
  'zone_frame_bytes_bucket',
  'store_flush_duration_seconds_bucket',
  'store_rows_written_total',
  'store_batch_rows_bucket',
  'zone_dirty_players',
  'store_stale_epoch_rejects_total',
  'store_db_errors_total',
  'store_economy_ops_total',
  'store_group_commit_size_bucket',
  'store_group_commit_duration_seconds_bucket',
  'store_deadlock_retries_total',
  'nodejs_eventloop_lag_p99_seconds',
  'zone_game_hook_seconds_sum',
  'zone_game_hook_errors_total',
];

/**
 * promtool's lint findings on prom-client's default metrics (gauges named *_total), which are
 * not ours to rename. Any other finding fails.
 */
const UPSTREAM_LINT_FINDINGS = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

/** The host ports the stack publishes, as docker-compose.yml's header and the README say. */
const PUBLISHED_PORTS: Readonly<Record<string, readonly string[]>> = {
  mysql: [],
  server: ['7777:7777', '127.0.0.1:9464:9464'],
  prometheus: ['127.0.0.1:9090:9090'],
  grafana: ['127.0.0.1:3000:3000'],
};

const A_SECRET = 'a-deployment-secret-0123456789abcdef';

// --- shared state ----------------------------------------------------------------------------

type Json = Record<string, unknown>;
const asObject = (value: unknown, what: string): Json => {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value as Json;
};
const asArray = (value: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
};

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, unknown> | string[];
  ports?: unknown[];
  volumes?: unknown[];
  depends_on?: unknown;
  healthcheck?: { test?: unknown };
}

const composeRaw = asObject(parseYaml(read('docker-compose.yml')), 'docker-compose.yml');
/** The compose file as Compose sees it once TOKEN_SECRET is set. */
function composeWith(env: Record<string, string | undefined>): { services: Record<string, Service>; volumes: Json } {
  const doc = asObject(interpolateDeep(composeRaw, env), 'docker-compose.yml');
  return { services: asObject(doc.services, 'services') as Record<string, Service>, volumes: asObject(doc.volumes ?? {}, 'volumes') };
}
const compose = composeWith({ TOKEN_SECRET: A_SECRET });

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
}

function mountsOf(service: Service): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume === 'string') {
      const [source, target] = volume.split(':') as [string, string | undefined];
      assert.ok(target, `volume "${volume}" names a target`);
      return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
    }
    const long = asObject(volume, 'volume');
    return { source: String(long.source), target: String(long.target), bind: long.type === 'bind' };
  });
}

/** The host path mounted at `target`, or at the mount that holds it. */
function hostPathFor(service: Service, target: string): string | undefined {
  for (const mount of mountsOf(service)) {
    if (!mount.bind) continue;
    if (target === mount.target) return resolve(ROOT, mount.source);
    if (target.startsWith(`${mount.target}/`)) return resolve(ROOT, mount.source, posix.relative(mount.target, target));
  }
  return undefined;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = dockerfile.stages.at(-1) as Stage;
const dockerignore = read('.dockerignore');
const instructionsOf = (stage: Stage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

const dashboard = JSON.parse(read('deploy/grafana/dashboards/zone-server.json')) as Json;
const datasources = asArray(asObject(parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')), 'datasources file').datasources, 'datasources');
const prometheusConfig = asObject(parseYaml(read('deploy/prometheus/prometheus.yml')), 'prometheus.yml');

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}
function allPanels(): Panel[] {
  const out: Panel[] = [];
  for (const panel of asArray(dashboard.panels, 'dashboard panels') as Panel[]) {
    out.push(panel);
    out.push(...(panel.panels ?? [])); // panels inside a collapsed row
  }
  return out;
}
/** Every PromQL expression in the dashboard: panel targets and query variables. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const exprs: { where: string; expr: string }[] = [];
  for (const panel of allPanels()) {
    for (const target of panel.targets ?? []) {
      if (target.expr !== undefined) exprs.push({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr });
    }
  }
  const variables = asArray(asObject(dashboard.templating ?? { list: [] }, 'templating').list, 'templating list') as Json[];
  for (const variable of variables) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : String(asObject(variable.query, 'variable query').query);
    const labelValues = /^label_values\(\s*(.+?)\s*,\s*\w+\s*\)$/.exec(query);
    exprs.push({ where: `variable $${String(variable.name)}`, expr: labelValues ? (labelValues[1] as string) : query });
  }
  return exprs;
}

let promtool: string | undefined;
/** Skips a promtool check when promtool is missing, saying so; under CI=true, fails instead. */
function needPromtool(t: TestContext): string | undefined {
  if (promtool !== undefined) return promtool;
  const message = 'promtool is not installed (Debian package prometheus; .ci/run installs it): this promtool check did not run';
  if (process.env.CI === 'true') assert.fail(`${message}, and CI=true requires it`);
  process.stderr.write(`\n*** SKIPPED: ${message} ***\n`);
  t.skip(message);
  return undefined;
}

let server: TestServer;
let exposition: string;
before(async () => {
  promtool = await findPromtool();
  // With a game module, so that its hook metrics are exposed too.
  server = await startTestServer({ ZONES: '2', GAME_MODULE: new URL('../game/fixtures/echo-game.ts', import.meta.url).pathname });
  // A logged-in player who has moved and pinged, so labelled series have samples, not only
  // HELP and TYPE lines.
  const client = await server.player(1);
  client.move((client.self?.x as number) + 1, client.self?.y as number, 0);
  await client.ping();
  exposition = await server.metricsText();
  await client.close();
});
after(async () => {
  await server?.stop();
});

// --- the readers these tests rely on -----------------------------------------------------------

describe('readers', () => {
  it('promqlMetricNames finds metrics, not functions, labels, durations, strings or variables', () => {
    assert.deepEqual(
      promqlMetricNames('histogram_quantile(0.99, sum by (zone, le) (rate(zone_tick_duration_seconds_bucket{zone=~"$zone", le!="x"}[$__rate_interval])))'),
      ['zone_tick_duration_seconds_bucket'],
    );
    assert.deepEqual(promqlMetricNames('max by (zone, ring) (ring_used_bytes{zone=~"$zone"}) / on (zone) group_left ring_capacity_bytes offset 5m'), ['ring_used_bytes', 'ring_capacity_bytes']);
    assert.deepEqual(promqlMetricNames('sum(increase(zone_restarts_total[$__range])) > bool 0 and up'), ['zone_restarts_total', 'up']);
  });

  it('dockerIgnores: the last matching pattern decides, for a path or any parent directory', () => {
    const rules = '*\n!src/\nsrc/gen/\n**/*.log\n';
    assert.equal(dockerIgnores(rules, 'src/main.ts'), false);
    assert.equal(dockerIgnores(rules, 'src/gen/a.js'), true);
    assert.equal(dockerIgnores(rules, 'src/x/debug.log'), true);
    assert.equal(dockerIgnores(rules, 'test/a.ts'), true);
  });

  it('interpolate follows Compose: defaults, required variables, $$, and a lone $ is an error', () => {
    assert.equal(interpolate('a ${X:-d} ${Y-e} $$Z $X', { X: 'x', Y: '' }), 'a x  $Z x');
    assert.equal(interpolate('${X:-d}', { X: '' }), 'd');
    assert.throws(() => interpolate('${X:?say X}', { X: '' }), /X: say X/);
    assert.doesNotThrow(() => interpolate('${X?say X}', { X: '' }));
    assert.throws(() => interpolate('costs $(5)', {}), InterpolationError);
  });
});

// --- Dockerfile and .dockerignore --------------------------------------------------------------

describe('Dockerfile', () => {
  it('builds in stages from node:24 bookworm-slim, and the runtime stage runs `npm start`\'s command as node', () => {
    assert.ok(dockerfile.stages.length >= 2, 'a multi-stage build');
    for (const stage of dockerfile.stages) assert.equal(stage.image, 'node:24-bookworm-slim', `stage ${stage.name ?? '(runtime)'}`);
    assert.deepEqual(instructionsOf(runtime, 'USER'), ['node']);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1) as string);
    // npm start execs node, so that npm's signals reach it; in the image node is PID 1 itself.
    assert.deepEqual(cmd, (pkg.scripts.start as string).replace(/^exec /, '').split(' '), 'CMD is what npm start runs, with node as PID 1');
    assert.ok(existsSync(join(ROOT, cmd.at(-1) as string)), `${cmd.at(-1)} exists`);
  });

  it('npm start, the image and the README\'s systemd unit give the main thread the same Node flags', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const command = ['node', ...MAIN_THREAD_NODE_FLAGS, 'src/main.ts'];
    assert.deepEqual((pkg.scripts.start as string).replace(/^exec /, '').split(' '), command, 'npm start');
    const execStart = /^ExecStart=(.*)$/m.exec(read('README.md'))?.[1];
    assert.deepEqual(execStart?.split(' '), ['/srv/zone-server/node_modules/.bin/node', ...command.slice(1)], 'the systemd unit');
  });

  it('generates the protobuf code in a full install and ships only production dependencies', () => {
    const stageNamed = (name: string): Stage => {
      const stage = dockerfile.stages.find((s) => s.name === name);
      assert.ok(stage, `a stage named ${name}`);
      return stage;
    };
    const copiesFrom = instructionsOf(runtime, 'COPY')
      .map((args) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(args))
      .filter((match) => match !== null)
      .map((match) => ({ stage: stageNamed(match[1] as string), source: match[2] as string, target: match[3] as string }));

    // The generated code: from a stage whose `npm ci` runs scripts (so `prepare` builds it),
    // at the path build:proto writes to.
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const outDir = posix.dirname(/-o (\S+\.js)/.exec(pkg.scripts['build:proto'] as string)?.[1] as string);
    const generated = copiesFrom.find((copy) => copy.source === `/app/${outDir}`);
    assert.ok(generated, `the runtime stage copies /app/${outDir} from a build stage`);
    const buildRuns = instructionsOf(generated.stage, 'RUN').join('\n');
    assert.match(buildRuns, /npm ci(?![^\n]*--ignore-scripts)(?![^\n]*--omit=dev)/, 'the build stage runs a full npm ci, scripts included');
    assert.ok(instructionsOf(generated.stage, 'COPY').some((args) => /^proto\b/.test(args)), 'the .proto files are there before npm ci');

    // node_modules: production only, without `prepare` (protobufjs-cli is a dev dependency).
    const modules = copiesFrom.find((copy) => copy.source === '/app/node_modules');
    assert.ok(modules, 'the runtime stage copies node_modules from a stage');
    assert.match(instructionsOf(modules.stage, 'RUN').join('\n'), /npm ci (?=.*--omit=dev)(?=.*--ignore-scripts)/);
    assert.equal(instructionsOf(runtime, 'RUN').some((args) => /\bnpm (ci|install|i)\b/.test(args)), false, 'no install in the runtime stage');
    // The sources: the whole (allow-listed) context, which the .dockerignore test below checks.
    assert.ok(instructionsOf(runtime, 'COPY').includes('. .'), 'the runtime stage copies the build context');
  });

  it('listens on 0.0.0.0 on the ports it exposes, and the production config loads from its ENV', () => {
    const env = stageEnv(runtime);
    assert.equal(env.NODE_ENV, 'production');
    assert.throws(() => loadConfig(env, false), /TOKEN_SECRET must be set/, 'the image alone refuses to start without TOKEN_SECRET');
    const config = loadConfig({ ...env, TOKEN_SECRET: A_SECRET }, false);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.metricsHost, '0.0.0.0');
    const exposed = instructionsOf(runtime, 'EXPOSE').flatMap((args) => args.split(/\s+/)).map(Number);
    assert.deepEqual(exposed.toSorted(), [config.port, config.metricsPort].toSorted());
    assert.deepEqual(exposed.toSorted(), [7777, 9464]);
  });

  it('.dockerignore lets in the sources the image runs and keeps out everything else', () => {
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else sources.push(path);
      }
    };
    walk('src');
    walk('proto');
    if (existsSync(join(ROOT, 'sql'))) walk('sql'); // migrations, read at start-up
    for (const path of [...sources.filter((p) => !p.startsWith('src/protocol/generated/')), 'package.json', 'package-lock.json', 'sql/mysql/999_next.sql']) {
      assert.equal(dockerIgnores(dockerignore, path), false, `${path} is in the build context`);
    }
    for (const path of ['node_modules/ws/index.js', 'src/protocol/generated/zone.js', 'test/deploy/deploy.test.ts', 'bench/README.md', '.git/HEAD', 'data/zone.db', 'deploy/prometheus/prometheus.yml', 'docker-compose.yml', 'README.md', 'server.log']) {
      assert.equal(dockerIgnores(dockerignore, path), true, `${path} stays out of the build context`);
    }
    // Every COPY from the context names something that exists and that the context holds.
    for (const stage of dockerfile.stages) {
      for (const args of instructionsOf(stage, 'COPY').filter((a) => !a.startsWith('--from='))) {
        const paths = args.replace(/--\S+\s+/g, '').split(/\s+/).slice(0, -1);
        for (const path of paths.filter((p) => p !== '.')) {
          assert.ok(existsSync(join(ROOT, path)), `COPY ${path}: exists`);
          assert.equal(dockerIgnores(dockerignore, path), false, `COPY ${path}: not left out by .dockerignore`);
        }
      }
    }
  });

  it('its HEALTHCHECK command passes against a running server and fails when nothing answers', async () => {
    const healthcheck = instructionsOf(runtime, 'HEALTHCHECK').at(-1);
    assert.ok(healthcheck, 'a HEALTHCHECK');
    const command = execForm(healthcheck.replace(/^.*?\bCMD\s+/, ''));
    assert.equal(command[0], 'node', 'the image has node, not curl');
    const check = (port: number) => run(process.execPath, command.slice(1), { env: { PATH: process.env.PATH, METRICS_PORT: String(port) } });

    const healthy = await check(server.metricsPort);
    assert.equal(healthy.code, 0, healthy.stderr);

    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const freePort = (closed.address() as { port: number }).port;
    await new Promise<void>((done) => closed.close(() => done()));
    assert.equal((await check(freePort)).code, 1);
  });
});

// --- docker-compose.yml ------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('has mysql 8.4, the server built from the Dockerfile, Prometheus and Grafana on pinned images', () => {
    assert.deepEqual(Object.keys(compose.services).toSorted(), ['grafana', 'mysql', 'prometheus', 'server']);
    assert.equal(compose.services.mysql?.image, 'mysql:8.4');
    assert.ok(compose.services.server?.build === '.' || asObject(compose.services.server?.build, 'build').context === '.', 'server builds from ./Dockerfile');
    for (const name of ['prometheus', 'grafana']) assert.match(compose.services[name]?.image ?? '', /^[\w./-]+:v?\d+\.\d+\.\d+$/, `${name} image pinned to a version`);
  });

  it('the server gets a production configuration with TOKEN_SECRET, MySQL, and every interface', () => {
    const server = compose.services.server as Service;
    const env = environmentOf(server);
    const config = loadConfig(env, false);
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(config.tokenSecret, A_SECRET);
    assert.equal(config.usingDevSecret, false);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.metricsHost, '0.0.0.0');

    // MYSQL_URL names the mysql service, its port, and the database and user it creates, with
    // the same password, whether the password is the default or overridden.
    for (const overrides of [{}, { MYSQL_PASSWORD: 'an-overridden-password' }]) {
      const stack = composeWith({ TOKEN_SECRET: A_SECRET, ...overrides });
      const url = new URL(loadConfig(environmentOf(stack.services.server as Service), false).mysqlUrl);
      const mysqlEnv = environmentOf(stack.services.mysql as Service);
      assert.equal(url.hostname, 'mysql');
      assert.ok(url.hostname in stack.services, 'MYSQL_URL names a compose service');
      assert.equal(url.port, '3306');
      assert.equal(url.pathname, `/${mysqlEnv.MYSQL_DATABASE}`);
      assert.equal(decodeURIComponent(url.username), mysqlEnv.MYSQL_USER);
      assert.equal(decodeURIComponent(url.password), mysqlEnv.MYSQL_PASSWORD);
      assert.ok(mysqlEnv.MYSQL_ROOT_PASSWORD, 'mysql has a root password');
    }
  });

  it('passes ADMIN_TOKEN through from the environment, and leaves the admin API off without it', () => {
    const token = 'an-admin-token-0123456789';
    const stack = composeWith({ TOKEN_SECRET: A_SECRET, ADMIN_TOKEN: token });
    assert.equal(loadConfig(environmentOf(stack.services.server as Service), false).adminToken, token);
    assert.equal(loadConfig(environmentOf(compose.services.server as Service), false).adminToken, '');
  });

  it('refuses to start without TOKEN_SECRET, naming it, even when it is set but empty', () => {
    for (const env of [{}, { TOKEN_SECRET: '' }]) {
      assert.throws(() => composeWith(env), (err: unknown) => err instanceof InterpolationError && /^TOKEN_SECRET: .*random/.test(err.message));
    }
  });

  it('starts the server once MySQL passes its healthcheck', () => {
    const dependsOn = asObject(compose.services.server?.depends_on, 'server depends_on');
    assert.equal(asObject(dependsOn.mysql, 'depends_on mysql').condition, 'service_healthy');
    const test = asArray(compose.services.mysql?.healthcheck?.test, 'mysql healthcheck test');
    assert.equal(test[0], 'CMD-SHELL');
    assert.match(String(test[1]), /--protocol=TCP -h 127\.0\.0\.1/, 'over TCP, so the init-time socket-only server does not count');
  });

  it('publishes the ports the README documents, metrics and dashboards on loopback only', () => {
    for (const [name, ports] of Object.entries(PUBLISHED_PORTS)) {
      assert.deepEqual((compose.services[name]?.ports ?? []).map(String), ports, `${name} ports`);
    }
    const config = loadConfig(environmentOf(compose.services.server as Service), false);
    assert.deepEqual(PUBLISHED_PORTS.server?.map((p) => Number(p.split(':').at(-1))), [config.port, config.metricsPort]);
  });

  it('every file it mounts exists, and every named volume is declared', () => {
    assert.ok(existsSync(join(ROOT, 'Dockerfile')));
    let bound = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const mount of mountsOf(service)) {
        if (mount.bind) {
          bound++;
          assert.ok(existsSync(resolve(ROOT, mount.source)), `${name}: ${mount.source} exists`);
          assert.ok(relative(ROOT, resolve(ROOT, mount.source)).startsWith('deploy'), `${name}: ${mount.source} is under deploy/`);
        } else {
          assert.ok(mount.source in compose.volumes, `${name}: volume ${mount.source} is declared`);
        }
      }
    }
    assert.ok(bound >= 4, 'Prometheus config, two provisioning folders and the dashboards are mounted');
  });
});

// --- Prometheus and Grafana provisioning --------------------------------------------------------

describe('Prometheus and Grafana provisioning', () => {
  it('Prometheus reads the mounted config and scrapes the server where it serves /metrics', () => {
    const prometheus = compose.services.prometheus as Service;
    assert.equal(hostPathFor(prometheus, '/etc/prometheus/prometheus.yml'), join(ROOT, 'deploy/prometheus/prometheus.yml'), 'mounted where the image reads its config');
    const serverConfig = loadConfig(environmentOf(compose.services.server as Service), false);
    const scrapes = asArray(prometheusConfig.scrape_configs, 'scrape_configs') as Json[];
    const zone = scrapes.find((scrape) =>
      (asArray(scrape.static_configs, 'static_configs') as Json[]).some((sc) => (sc.targets as string[]).includes(`server:${serverConfig.metricsPort}`)),
    );
    assert.ok(zone, `a job scrapes server:${serverConfig.metricsPort}`);
    assert.equal(zone.metrics_path ?? '/metrics', '/metrics');
    assert.ok('server' in compose.services);
  });

  it('the Grafana datasource is the stack\'s Prometheus, with its scrape interval', () => {
    assert.equal(datasources.length, 1);
    const ds = asObject(datasources[0], 'datasource');
    assert.equal(ds.type, 'prometheus');
    assert.equal(typeof ds.uid, 'string');
    const url = new URL(String(ds.url));
    assert.ok(url.hostname in compose.services, 'the datasource names a compose service');
    assert.equal(url.hostname, 'prometheus');
    assert.equal(url.port, '9090');
    assert.equal(asObject(ds.jsonData, 'jsonData').timeInterval, asObject(prometheusConfig.global, 'global').scrape_interval);
  });

  it('Grafana reads both provisioning folders and loads the dashboard from where it is mounted', () => {
    const grafana = compose.services.grafana as Service;
    for (const kind of ['datasources', 'dashboards']) {
      assert.equal(hostPathFor(grafana, `/etc/grafana/provisioning/${kind}`), join(ROOT, `deploy/grafana/provisioning/${kind}`));
    }
    const providerFiles = readdirSync(join(ROOT, 'deploy/grafana/provisioning/dashboards')).filter((f) => /\.ya?ml$/.test(f));
    assert.equal(providerFiles.length, 1);
    const providers = asArray(asObject(parseYaml(read(`deploy/grafana/provisioning/dashboards/${providerFiles[0]}`)), 'provider file').providers, 'providers') as Json[];
    assert.equal(providers.length, 1);
    const path = String(asObject(providers[0]?.options, 'provider options').path);
    const hostDir = hostPathFor(grafana, path);
    assert.ok(hostDir && statSync(hostDir).isDirectory(), `the provider's ${path} is a mounted folder`);
    assert.ok(existsSync(join(hostDir, 'zone-server.json')), 'which holds zone-server.json');
    const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    assert.equal(hostPathFor(grafana, home as string), join(ROOT, 'deploy/grafana/dashboards/zone-server.json'), 'the home dashboard is the zone-server dashboard');
    assert.equal(environmentOf(grafana).GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer', 'anonymous users can only view');
  });
});

// --- the dashboard ------------------------------------------------------------------------------

describe('dashboard', () => {
  it('parses, with a uid, unique panel ids and panels that fit the grid without overlapping', () => {
    assert.equal(dashboard.uid, 'zone-server');
    const panels = allPanels();
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    const boxes = panels.map((p) => {
      assert.ok(p.gridPos, `panel "${p.title}" has a gridPos`);
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `panel "${p.title}" fits the 24-column grid`);
      return { title: p.title, x, y, w, h };
    });
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.equal(overlap, false, `"${a.title}" and "${b.title}" overlap`);
      }
    }
    for (const panel of panels.filter((p) => p.type !== 'row')) assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" queries something`);
  });

  it('every datasource it names is the provisioned one, by uid', () => {
    const uid = asObject(datasources[0], 'datasource').uid;
    const found: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'datasource') {
            assert.deepEqual(value, { type: 'prometheus', uid }, `${path}.datasource`);
            found.push(path);
          } else walk(value, `${path}.${key}`);
        }
      }
    };
    walk(dashboard, 'dashboard');
    const queried = allPanels().filter((p) => p.type !== 'row');
    assert.ok(found.length >= queried.length, 'every panel names its datasource');
  });

  it('charts every area: ticks, rings, traffic, sessions, errors, view, database, event loop', () => {
    const used = new Set(dashboardExpressions().flatMap(({ expr }) => promqlMetricNames(expr)));
    for (const metric of DASHBOARD_MUST_SHOW) assert.ok(used.has(metric), `the dashboard charts ${metric}`);
  });

  it('queries only metrics a live server exposes, or ones on the list still to come', (t) => {
    const exposed = new Map<string, string>();
    for (const [family, type] of exposedFamilies(exposition)) for (const series of seriesNames(family, type)) exposed.set(series, family);
    assert.ok(exposed.has('zone_tick_duration_seconds_bucket') && exposed.has('nodejs_eventloop_lag_p99_seconds'), 'the scrape holds zone and process metrics');
    const toCome = new Map<string, string>();
    for (const [family, type] of Object.entries(METRICS_TO_COME)) for (const series of seriesNames(family, type)) toCome.set(series, family);

    const pendingUsed = new Set<string>();
    for (const { where, expr } of dashboardExpressions()) {
      for (const name of promqlMetricNames(expr)) {
        if (exposed.has(name)) continue;
        assert.ok(toCome.has(name), `${where} queries ${name}, which the server does not expose and which is not on METRICS_TO_COME (a typo?)`);
        pendingUsed.add(toCome.get(name) as string);
      }
    }
    // The list stays short: nothing on it that the dashboard does not use.
    assert.deepEqual(Object.keys(METRICS_TO_COME).filter((m) => !pendingUsed.has(m) && !exposedFamilies(exposition).has(m)), [], 'METRICS_TO_COME entries the dashboard does not use');
    // A metric on the list that has shipped must have the type the dashboard expects; the note
    // says to take it off the list.
    const families = exposedFamilies(exposition);
    for (const [family, type] of Object.entries(METRICS_TO_COME)) {
      const shipped = families.get(family);
      if (shipped === undefined) continue;
      assert.equal(shipped, type, `${family} shipped as a ${shipped}; the dashboard queries it as a ${type}`);
      t.diagnostic(`${family} is exposed now: take it off METRICS_TO_COME in test/deploy/deploy.test.ts`);
    }
  });

  it('every expression is valid PromQL (promtool check rules)', async (t) => {
    const tool = needPromtool(t);
    if (!tool) return;
    const grafanaVariables = (expr: string): string =>
      expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h').replaceAll('$zone', '.*');
    const rules = dashboardExpressions().map(({ expr }, i) => ({ record: `dashboard:expression_${i}`, expr: grafanaVariables(expr) }));
    for (const rule of rules) assert.doesNotMatch(rule.expr, /\$/, `a Grafana variable left in ${rule.expr}`);
    const dir = mkdtempSync(join(tmpdir(), 'zone-dashboard-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), stringifyYaml({ groups: [{ name: 'dashboard', rules }] }));
      const result = await run(tool, ['check', 'rules', join(dir, 'rules.yml')]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- promtool -----------------------------------------------------------------------------------

describe('promtool', () => {
  it('passes deploy/prometheus/alerts.yml (promtool check rules), mounted where prometheus.yml loads it, on metrics a live server exposes', async (t) => {
    assert.deepEqual(prometheusConfig.rule_files, ['alerts.yml']);
    assert.equal(hostPathFor(compose.services.prometheus as Service, '/etc/prometheus/alerts.yml'), join(ROOT, 'deploy/prometheus/alerts.yml'));
    const groups = asArray(asObject(parseYaml(read('deploy/prometheus/alerts.yml')), 'alerts.yml').groups, 'groups') as Json[];
    const alerts = groups.flatMap((group) => asArray(group.rules, 'rules') as Json[]);
    assert.deepEqual(alerts.map((rule) => rule.alert), ['ZoneServerDown', 'ZoneTickOverruns', 'WriteBackFailing', 'StaleEpochWrites', 'JobsRefused']);
    const families = exposedFamilies(exposition);
    for (const rule of alerts) {
      for (const name of promqlMetricNames(String(rule.expr))) {
        if (name === 'up') continue;
        assert.ok(families.has(name.replace(/_(bucket|sum|count)$/, '')), `${String(rule.alert)} uses ${name}, which the server exposes`);
      }
    }
    const tool = needPromtool(t);
    if (!tool) return;
    const result = await run(tool, ['check', 'rules', 'deploy/prometheus/alerts.yml'], { cwd: ROOT });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 5 rules found/);
  });

  it('passes deploy/prometheus/prometheus.yml (promtool check config)', async (t) => {
    const tool = needPromtool(t);
    if (!tool) return;
    const result = await run(tool, ['check', 'config', 'deploy/prometheus/prometheus.yml'], { cwd: ROOT });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('passes the server\'s live /metrics (promtool check metrics), apart from prom-client\'s own gauges', async (t) => {
    const tool = needPromtool(t);
    if (!tool) return;
    const result = await run(tool, ['check', 'metrics'], { input: exposition });
    // 0: clean; 3: lint findings only. Anything else (1: the exposition does not parse) fails.
    assert.ok(result.code === 0 || result.code === 3, `promtool check metrics exited ${result.code}: ${result.stderr}`);
    const findings = result.stderr.split('\n').filter((line) => line.trim() !== '');
    if (result.code === 3) assert.ok(findings.length > 0, 'lint exit code with findings');
    for (const finding of findings) {
      const metric = finding.split(' ')[0] as string;
      assert.ok(UPSTREAM_LINT_FINDINGS.has(metric), `promtool: ${finding}`);
    }
  });
});
