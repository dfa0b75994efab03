// @ts-check
/**
 * The operator console's page: a client of the admin API, logged in by its session's cookie,
 * sending the session's CSRF token (from the page's meta tag) with every write. Three views,
 * chosen by the address's fragment:
 *   #/               the zones, their players and tick figures
 *   #/zones/{id}     a zone's live map (the entities/live stream) and its players
 *   #/players/{id}   a player's state and the operator's actions on it
 * Plain JavaScript, type-checked by tsc (tsconfig.json next to it), so that the server serves it
 * as it is, with no build step.
 */

/**
 * @typedef {{ zoneId: number, tick: number, bounds: { x: number, y: number, width: number, height: number }, count: number,
 *   entities: { id: number[], playerId: number[], kind: ('player' | 'npc')[], x: number[], y: number[] } }} ZoneMap
 * @typedef {{ id: number, name: string, state: string, players: number | null, tickP99Ms: number | null }} ZoneSummary
 * @typedef {{ playerId: number, name: string | null, x: number, y: number }} RosterEntry
 */

/** How often the tables (zones, a zone's players, a player) are read again, ms. */
const REFRESH_MS = 2000;

const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

/**
 * @template {HTMLElement} T
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
function element(selector, type) {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`the page has no ${selector}`);
  return found;
}

const views = {
  zones: element('#zones-view', HTMLElement),
  zone: element('#zone-view', HTMLElement),
  player: element('#player-view', HTMLElement),
};
const problem = element('#problem', HTMLElement);

/**
 * One call of the admin API; a 401 (the session ended) goes back to the log-in page.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.status === 401) location.assign('/console');
  return { status: response.status, body: await response.json() };
}

/**
 * Runs `work` now and every REFRESH_MS while the view is shown; a failure is shown, not thrown.
 * @param {() => Promise<void>} work
 * @returns {() => void} stops it
 */
function every(work) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const run = () => {
    work().then(
      () => (problem.textContent = ''),
      (err) => (problem.textContent = `The server did not answer: ${err instanceof Error ? err.message : String(err)}`),
    ).finally(() => {
      if (!stopped) timer = setTimeout(run, REFRESH_MS);
    });
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * A table row whose cells are `cells`, opening `href` when clicked.
 * @param {(string | number | null)[]} cells
 * @param {string} href
 */
function row(cells, href) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = cell === null ? '–' : String(cell);
    tr.append(td);
  }
  tr.addEventListener('click', () => location.assign(href));
  return tr;
}

/** @param {number} metres */
const shown = (metres) => metres.toFixed(1);

// ------------------------------------------------------------------------------- the zones

/** @returns {() => void} */
function showZones() {
  const body = element('#zones tbody', HTMLTableSectionElement);
  return every(async () => {
    const { body: answer } = await api('GET', '/admin/zones');
    const zones = /** @type {ZoneSummary[]} */ (answer.zones);
    body.replaceChildren(...zones.map((z) => row([z.id, z.name, z.state, z.players, z.tickP99Ms === null ? null : z.tickP99Ms.toFixed(2)], `#/zones/${z.id}`)));
  });
}

// ------------------------------------------------------------------------------- a zone's map

/**
 * @param {number} zoneId
 * @returns {() => void}
 */
function showZone(zoneId) {
  element('#zone-title', HTMLElement).textContent = `Zone ${zoneId}`;
  const canvas = element('#map', HTMLCanvasElement);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d canvas');
  const count = element('#entity-count', HTMLOutputElement);
  const players = element('#player-count', HTMLOutputElement);
  const rate = element('#map-rate', HTMLOutputElement);
  const tick = element('#map-tick', HTMLOutputElement);
  const state = element('#map-state', HTMLElement);
  /** @type {number[]} */
  const arrivals = [];
  /** @type {{ playerId: number, px: number, py: number }[]} */
  let drawnPlayers = [];

  const stream = new EventSource(`/admin/zones/${zoneId}/entities/live`);
  stream.addEventListener('map', (event) => {
    const map = /** @type {ZoneMap} */ (JSON.parse(event.data));
    const now = performance.now();
    arrivals.push(now);
    while (arrivals.length > 0 && /** @type {number} */ (arrivals[0]) < now - 1000) arrivals.shift();
    drawnPlayers = draw(context, canvas, map);
    count.value = String(canvas.dataset.drawn);
    players.value = String(drawnPlayers.length);
    rate.value = String(arrivals.length);
    tick.value = String(map.tick);
    state.textContent = '';
  });
  stream.addEventListener('unavailable', () => (state.textContent = '(the zone is not running)'));
  stream.addEventListener('error', () => (state.textContent = '(reconnecting…)'));

  const openNearest = (/** @type {MouseEvent} */ event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * canvas.width) / box.width;
    const y = ((event.clientY - box.top) * canvas.height) / box.height;
    const near = drawnPlayers.find((p) => Math.hypot(p.px - x, p.py - y) <= 8);
    if (near) location.assign(`#/players/${near.playerId}`);
  };
  canvas.addEventListener('click', openNearest);

  const roster = element('#zone-players tbody', HTMLTableSectionElement);
  const stopRoster = every(async () => {
    const { status, body } = await api('GET', `/admin/zones/${zoneId}/players`);
    if (status !== 200) {
      roster.replaceChildren();
      state.textContent = `(${body.error})`;
      return;
    }
    const entries = /** @type {RosterEntry[]} */ (body.players);
    roster.replaceChildren(...entries.map((p) => row([p.playerId, p.name, shown(p.x), shown(p.y)], `#/players/${p.playerId}`)));
  });
  return () => {
    stream.close();
    stopRoster();
    canvas.removeEventListener('click', openNearest);
  };
}

/**
 * Draws every entity of `map` (y up, as in the world) and says on the canvas how many it drew.
 * @param {CanvasRenderingContext2D} context
 * @param {HTMLCanvasElement} canvas
 * @param {ZoneMap} map
 * @returns {{ playerId: number, px: number, py: number }[]} the players, where they were drawn
 */
function draw(context, canvas, map) {
  const { bounds, entities } = map;
  const scale = Math.min(canvas.width / bounds.width, canvas.height / bounds.height);
  context.clearRect(0, 0, canvas.width, canvas.height);
  let drawn = 0;
  /** @type {{ playerId: number, px: number, py: number }[]} */
  const players = [];
  context.fillStyle = '#8a949e';
  for (let i = 0; i < map.count; i++) {
    if (entities.kind[i] === 'player') continue;
    const px = (/** @type {number} */ (entities.x[i]) - bounds.x) * scale;
    const py = canvas.height - (/** @type {number} */ (entities.y[i]) - bounds.y) * scale;
    context.fillRect(px - 1.5, py - 1.5, 3, 3);
    drawn++;
  }
  context.fillStyle = '#1565c0';
  for (let i = 0; i < map.count; i++) {
    if (entities.kind[i] !== 'player') continue;
    const px = (/** @type {number} */ (entities.x[i]) - bounds.x) * scale;
    const py = canvas.height - (/** @type {number} */ (entities.y[i]) - bounds.y) * scale;
    context.beginPath();
    context.arc(px, py, 4, 0, 2 * Math.PI);
    context.fill();
    players.push({ playerId: /** @type {number} */ (entities.playerId[i]), px, py });
    drawn++;
  }
  canvas.dataset.drawn = String(drawn);
  return players;
}

// ------------------------------------------------------------------------------- a player

/**
 * @param {number} playerId
 * @returns {() => void}
 */
function showPlayer(playerId) {
  element('#player-title', HTMLElement).textContent = `Player ${playerId}`;
  const state = element('#player-state', HTMLElement);
  const result = element('#action-result', HTMLElement);
  result.textContent = '';
  const refresh = async () => {
    const { status, body } = await api('GET', `/admin/players/${playerId}`);
    if (status !== 200) {
      state.replaceChildren();
      element('#player-title', HTMLElement).textContent = `Player ${playerId}: ${body.error}`;
      return;
    }
    element('#player-title', HTMLElement).textContent = `Player ${playerId}: ${body.name ?? '(no name)'}`;
    const items = body.inventory?.items ?? [];
    /** @type {[string, string][]} */
    const facts = [
      ['source', body.source],
      ['online', body.online ? `yes, since ${body.session?.since ?? '?'} from ${body.session?.address ?? '?'}` : 'no'],
      ['isolated', body.isolated ? 'yes' : 'no'],
      ['zone', String(body.zoneId)],
      ['position', `${shown(body.x)}, ${shown(body.y)}`],
      ['hp', String(body.hp)],
      ['level', String(body.level)],
      ['exp', String(body.exp)],
      ['gold', body.inventory ? String(body.inventory.gold) : '(not read yet)'],
      ['items', items.map((/** @type {{ templateId: number, count: number }} */ i) => `${i.count}× #${i.templateId}`).join(', ') || 'none'],
    ];
    state.replaceChildren(
      ...facts.flatMap(([name, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = name;
        const dd = document.createElement('dd');
        dd.textContent = value;
        dd.dataset.field = name;
        return [dt, dd];
      }),
    );
  };
  const stopRefresh = every(refresh);

  /**
   * Runs an admin write and shows its answer.
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  const act = async (method, path, body) => {
    result.textContent = '…';
    try {
      const answer = await api(method, path, body);
      result.textContent = `${answer.status} ${JSON.stringify(answer.body)}`;
      await refresh();
      return answer.status;
    } catch (err) {
      result.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
      return 0;
    }
  };
  const base = `/admin/players/${playerId}`;
  const number = (/** @type {string} */ selector) => {
    const text = element(selector, HTMLInputElement).value.trim();
    return text === '' ? undefined : Number(text);
  };
  // A grant's key is made once and kept until the grant is answered for good, so that clicking
  // again after a failure retries the same grant rather than making a second.
  let grantKey = `console-${crypto.randomUUID()}`;
  /** @type {[string, string, (event: Event) => void][]} */
  const handlers = [
    ['#kick-form', 'submit', () => void act('POST', `${base}/kick`, { reason: element('#kick-reason', HTMLInputElement).value })],
    ['#isolate', 'click', () => void act('POST', `${base}/isolate`)],
    ['#release', 'click', () => void act('DELETE', `${base}/isolate`)],
    ['#teleport-form', 'submit', () => void act('PATCH', base, { x: number('#teleport-x'), y: number('#teleport-y') })],
    ['#stats-form', 'submit', () => void act('PATCH', base, { hp: number('#stats-hp'), level: number('#stats-level'), exp: number('#stats-exp') })],
    [
      '#grant-form',
      'submit',
      () => {
        const templateId = number('#grant-template');
        const items = templateId === undefined ? [] : [{ templateId, count: number('#grant-count') ?? 1 }];
        void act('POST', '/admin/grants', { opId: grantKey, playerId, gold: number('#grant-gold') ?? 0, items }).then((status) => {
          if (status > 0 && status < 500) grantKey = `console-${crypto.randomUUID()}`;
        });
      },
    ],
  ];
  const listeners = handlers.map(([selector, type, handler]) => {
    const target = element(selector, HTMLElement);
    /** @param {Event} event */
    const listener = (event) => {
      event.preventDefault();
      handler(event);
    };
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  });
  return () => {
    stopRefresh();
    for (const remove of listeners) remove();
  };
}

// ------------------------------------------------------------------------------- navigation

/** @type {() => void} */
let leaveView = () => {};

function route() {
  leaveView();
  const [, kind, id] = /^#\/(zones|players)\/(\d+)$/.exec(location.hash) ?? [];
  views.zones.hidden = kind !== undefined;
  views.zone.hidden = kind !== 'zones';
  views.player.hidden = kind !== 'players';
  if (kind === 'zones') leaveView = showZone(Number(id));
  else if (kind === 'players') leaveView = showPlayer(Number(id));
  else leaveView = showZones();
}

element('#find-player', HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
  location.assign(`#/players/${element('#find-player-id', HTMLInputElement).value.trim()}`);
});
element('#logout', HTMLButtonElement).addEventListener('click', async () => {
  await fetch('/console/logout', { method: 'POST', headers: { 'x-csrf-token': csrf }, credentials: 'same-origin' });
  location.assign('/console');
});
window.addEventListener('hashchange', route);
route();
