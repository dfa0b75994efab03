/**
 * The admin API described once, as an OpenAPI 3.1 document, served at GET /admin/openapi.json.
 * test/ops/admin-openapi.test.ts checks it against the OpenAPI schema and every route of
 * admin-api.ts against it, and the admin tests validate their requests and answers with it.
 */
import { EconomyRefusals } from '../protocol/reasons.ts';
import { OpsLimits } from '../config/limits.ts';
import { OP_ID_PATTERN } from '../economy/economy-rules.ts';
import { AdminErrors } from './admin-answers.ts';
import { CONSOLE_COOKIE } from './console-sessions.ts';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object): object => ({ content: { 'application/json': { schema } } });
const answer = (description: string, schema: object): object => ({ description, ...json(schema) });
const errorAnswer = (description: string): object => answer(description, ref('Error'));
/** A schema with `ok: true` added, for a top-level answer. */
const okAnd = (schema: object): object => ({ allOf: [schema, { type: 'object', required: ['ok'], properties: { ok: { const: true } } }] });

/** The answers every route may give besides its own. */
const COMMON_ANSWERS = {
  '401': errorAnswer('No bearer token, or the wrong one (nothing more is said).'),
  '404': errorAnswer('No such endpoint (NOT_FOUND), the admin API is off (ADMIN_API_OFF), or the thing named does not exist.'),
  '405': errorAnswer('The endpoint does not take this method (METHOD_NOT_ALLOWED); the Allow header lists those it takes.'),
  '500': errorAnswer('A fault of the server\'s own (INTERNAL_ERROR), logged with the request id.'),
};
const WRITE_ANSWERS = {
  ...COMMON_ANSWERS,
  '400': errorAnswer('A malformed request (INVALID_REQUEST): the message names the field. Nothing was asked of the server.'),
  '413': errorAnswer(`A body over ${OpsLimits.maxAdminBodyBytes} bytes (BODY_TOO_LARGE).`),
  '503': errorAnswer('The database or the zone could not be reached (STORAGE_UNAVAILABLE, ZONE_UNAVAILABLE): nothing is known; retry (with the same opId).'),
};

const zoneIdParameter = { name: 'zoneId', in: 'path', required: true, description: 'The zone id (a whole number).', schema: { type: 'string', pattern: '^[0-9]+$' } };
const ZONE_READ_ANSWERS = {
  '400': errorAnswer('A bad zone id.'),
  '503': errorAnswer('ZONE_UNAVAILABLE: the zone is not running.'),
  ...COMMON_ANSWERS,
};
const playerIdParameter = { name: 'playerId', in: 'path', required: true, description: 'The player id (a positive whole number).', schema: { type: 'string', pattern: '^[0-9]+$' } };
const wholeNumber = { type: 'integer', minimum: 0 };
const item = { type: 'object', required: ['itemId', 'templateId', 'count'], properties: { itemId: wholeNumber, templateId: wholeNumber, count: wholeNumber } };
// Amounts out of range are the economy's refusals (409 with a reason), not malformed requests.
const gold = { type: 'integer', description: 'Absent: none. Negative: 409 NEGATIVE_GOLD; over the limit: 409 GOLD_OVER_LIMIT.' };
const itemStacks = {
  type: 'array',
  description: 'Absent: none. Too many: 409 TOO_MANY_ITEMS; a template or count out of range: 409 BAD_STACK.',
  items: { type: 'object', required: ['templateId', 'count'], properties: { templateId: { type: 'integer' }, count: { type: 'integer' } } },
};
const opId = { type: 'string', pattern: OP_ID_PATTERN.source, description: 'The idempotency key: the same key again returns the first result and changes nothing more.' };

export const ADMIN_OPENAPI: Readonly<Record<string, unknown>> = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'Zone server admin API',
    version: '1',
    description:
      'On the operations port (METRICS_HOST:METRICS_PORT). Every request needs `Authorization: Bearer ADMIN_TOKEN` (or, from the console\'s page, its session cookie, and for a write the session\'s `x-csrf-token`). Each request gets an id (the caller\'s `x-request-id` when it is 1-64 characters of [A-Za-z0-9._:-]), answered in the `x-request-id` header and found in every log line of the request. Every write an authorised caller asks for, but one refused as malformed, is recorded in the audit trail.',
  },
  security: [{ bearer: [] }, { consoleSession: [] }],
  paths: {
    '/admin/openapi.json': { get: { operationId: 'openapi', summary: 'This document.', responses: { '200': answer('The OpenAPI document.', { type: 'object' }), ...COMMON_ANSWERS } } },
    '/admin/players/{playerId}': {
      parameters: [playerIdParameter],
      get: {
        operationId: 'getPlayer',
        summary: 'A player: live from the zone that holds it when online, else as the database has it.',
        responses: { '200': answer('The player.', okAnd(ref('PlayerView'))), '400': errorAnswer('A bad player id.'), '503': errorAnswer('The player could not be read.'), ...COMMON_ANSWERS },
      },
      patch: {
        operationId: 'changePlayer',
        summary: 'Change position (a teleport, anywhere in the world), heading, hp, level or experience.',
        description:
          'Online: applied by the zone holding the player in its next tick, and the player sees it at once (a teleport into another zone hands the player over). Offline: written to the database, refused while another node owns the character (PLAYER_ONLINE) or while it is isolated (PLAYER_ISOLATED).',
        requestBody: { required: true, ...json(ref('PlayerChange')) },
        responses: {
          '200': answer('Changed; the player as it is now.', ref('ChangeResult')),
          '409': errorAnswer('PLAYER_ONLINE, PLAYER_ISOLATED, or PLAYER_BUSY (changing zones or leaving: retry).'),
          ...WRITE_ANSWERS,
        },
      },
    },
    '/admin/players/{playerId}/kick': {
      parameters: [playerIdParameter],
      post: {
        operationId: 'kickPlayer',
        summary: 'End the player\'s session; the client is shown the reason. Its state is written as at a log-out.',
        requestBody: { required: true, ...json({ type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: OpsLimits.maxKickReasonChars } } }) },
        responses: { '200': answer('Kicked.', ref('PlayerOk')), '409': errorAnswer('PLAYER_NOT_ONLINE: it has no session.'), ...WRITE_ANSWERS },
      },
    },
    '/admin/players/{playerId}/isolate': {
      parameters: [playerIdParameter],
      post: {
        operationId: 'isolatePlayer',
        summary: 'Isolate the character: its session ends (ERROR_CODE_CHARACTER_ISOLATED), its final write is awaited, and until released no log-in loads it and no server writes its row.',
        requestBody: { required: false, ...json({ type: 'object', properties: { reason: { type: 'string' } } }) },
        responses: {
          '200': answer('Isolated (or it was already).', { allOf: [ref('Isolation'), { type: 'object', required: ['wasOnline'], properties: { wasOnline: { type: 'boolean' } } }] }),
          '409': errorAnswer('PLAYER_ONLINE (on another node: isolate it there) or PLAYER_BUSY (its last state is still being written: retry).'),
          ...WRITE_ANSWERS,
        },
      },
      delete: {
        operationId: 'releasePlayer',
        summary: 'Release the character: the next log-in loads exactly what the database holds, hand edits included.',
        responses: { '200': answer('Released (or it was not isolated).', ref('Isolation')), ...WRITE_ANSWERS },
      },
    },
    '/admin/zones': {
      get: {
        operationId: 'listZones',
        summary: 'Every zone: its state, players and tick p99 over its recent ticks.',
        responses: { '200': answer('The zones.', { type: 'object', required: ['ok', 'zones'], properties: { ok: { const: true }, zones: { type: 'array', items: ref('ZoneSummary') } } }), ...COMMON_ANSWERS },
      },
    },
    '/admin/zones/{zoneId}/players': {
      parameters: [zoneIdParameter],
      get: {
        operationId: 'listZonePlayers',
        summary: 'A zone\'s players and where they stand (world coordinates).',
        responses: { '200': answer('The players.', ref('ZoneRoster')), ...ZONE_READ_ANSWERS },
      },
    },
    '/admin/zones/{zoneId}/entities': {
      parameters: [zoneIdParameter],
      get: {
        operationId: 'getZoneMap',
        summary: 'Every entity the zone simulates (players and NPCs) and where it stands, sampled between two ticks.',
        responses: { '200': answer('The zone\'s map.', okAnd(ref('ZoneMap'))), ...ZONE_READ_ANSWERS },
      },
    },
    '/admin/zones/{zoneId}/entities/live': {
      parameters: [zoneIdParameter],
      get: {
        operationId: 'watchZoneMap',
        summary: `The zone's map as Server-Sent Events: a \`map\` event (data: a ZoneMap) up to ${1000 / OpsLimits.mapSampleIntervalMs} times a second, \`unavailable\` while the zone is not running.`,
        description:
          'However many watch, the zone is sampled once per interval, between two ticks, and only while someone watches; a watcher whose connection does not keep up misses samples. The console\'s live map.',
        responses: {
          '200': { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '429': errorAnswer(`TOO_MANY_WATCHERS: the zone has ${OpsLimits.maxMapWatchersPerZone} watchers already.`),
          ...ZONE_READ_ANSWERS,
        },
      },
    },
    '/admin/grants': {
      post: {
        operationId: 'grant',
        summary: 'Give a player gold and new items (a shop, support): through its zone when online, shown to it at once.',
        requestBody: { required: true, ...json({ type: 'object', required: ['opId', 'playerId'], properties: { opId, playerId: { type: 'integer', minimum: 1 }, gold, items: itemStacks } }) },
        responses: { '200': answer('Granted (or replayed).', ref('GrantDone')), '409': answer('Refused: nothing granted.', ref('EconomyRefusal')), ...WRITE_ANSWERS },
      },
    },
    '/admin/mail': {
      post: {
        operationId: 'systemMail',
        summary: 'Send system mail: gold and new items in a mail the player claims.',
        requestBody: { required: true, ...json({ type: 'object', required: ['opId', 'to'], properties: { opId, to: { type: 'integer', minimum: 1 }, gold, items: itemStacks } }) },
        responses: { '200': answer('Sent (or replayed).', ref('MailSent')), '409': answer('Refused: nothing sent.', ref('EconomyRefusal')), ...WRITE_ANSWERS },
      },
    },
    '/admin/chat': {
      post: {
        operationId: 'systemChat',
        summary: 'Say something to every player, as a SYSTEM chat message.',
        requestBody: { required: true, ...json({ type: 'object', required: ['text'], properties: { text: { type: 'string' } } }) },
        responses: { '200': answer('Said.', { type: 'object', required: ['ok', 'zones'], properties: { ok: { const: true }, zones: wholeNumber } }), ...WRITE_ANSWERS },
      },
    },
    '/admin/audit': {
      get: {
        operationId: 'listAudit',
        summary: 'The audit trail, newest first.',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Rows per page, 1 to 500 (default 50).' },
          { name: 'before', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Only rows older than this seq: the `next` of the page before.' },
          { name: 'playerId', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Only this player\'s rows.' },
        ],
        responses: {
          '200': answer('A page of the trail.', {
            type: 'object',
            required: ['ok', 'entries', 'next'],
            properties: { ok: { const: true }, entries: { type: 'array', items: ref('AuditEntry') }, next: { type: ['integer', 'null'] } },
          }),
          '400': errorAnswer('A bad query parameter.'),
          '503': errorAnswer('The trail could not be read.'),
          ...COMMON_ANSWERS,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
      consoleSession: { type: 'apiKey', in: 'cookie', name: CONSOLE_COOKIE, description: 'A console session (POST /console/session); a write also needs the session\'s x-csrf-token header.' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['ok', 'code', 'error'],
        properties: {
          ok: { const: false },
          code: { enum: Object.values(AdminErrors) },
          error: { type: 'string', description: 'For people; not for programs to parse.' },
          opId: { type: 'string' },
          ownerNode: { type: ['string', 'null'] },
          reason: { type: 'string' },
        },
      },
      EconomyRefusal: {
        type: 'object',
        required: ['ok', 'reason', 'opId', 'replayed'],
        properties: { ok: { const: false }, reason: { enum: Object.values(EconomyRefusals) }, opId: { type: 'string' }, replayed: { type: 'boolean' } },
      },
      Item: item,
      Inventory: { type: 'object', required: ['gold', 'items'], properties: { gold: wholeNumber, items: { type: 'array', items: ref('Item') } } },
      PlayerView: {
        type: 'object',
        required: ['playerId', 'name', 'source', 'online', 'isolated', 'zoneId', 'x', 'y', 'heading', 'hp', 'level', 'exp', 'inventory', 'session'],
        properties: {
          playerId: { type: 'integer' },
          name: { type: ['string', 'null'] },
          source: { enum: ['live', 'database'], description: 'live: from the zone holding it now; database: as last written back.' },
          online: { type: 'boolean' },
          isolated: { type: 'boolean' },
          zoneId: { type: 'integer' },
          x: { type: 'number', description: 'World coordinates, metres.' },
          y: { type: 'number' },
          heading: { type: 'number', description: 'Radians.' },
          hp: wholeNumber,
          level: wholeNumber,
          exp: wholeNumber,
          inventory: { oneOf: [ref('Inventory'), { type: 'null' }] },
          session: {
            oneOf: [{ type: 'object', required: ['since', 'address'], properties: { since: { type: ['string', 'null'], description: 'ISO 8601' }, address: { type: 'string' } } }, { type: 'null' }],
          },
        },
      },
      PlayerChange: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        dependentRequired: { x: ['y'], y: ['x'] },
        properties: {
          x: { type: 'number', description: 'World coordinates, metres: a teleport, with y.' },
          y: { type: 'number' },
          heading: { type: 'number' },
          hp: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
          level: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
          exp: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        },
      },
      ChangeResult: {
        type: 'object',
        required: ['ok', 'playerId', 'source', 'player'],
        properties: {
          ok: { const: true },
          playerId: { type: 'integer' },
          source: { enum: ['live', 'database'], description: 'live: applied by its zone; database: written to its row.' },
          player: { oneOf: [ref('PlayerView'), { type: 'null' }] },
        },
      },
      PlayerOk: { type: 'object', required: ['ok', 'playerId'], properties: { ok: { const: true }, playerId: { type: 'integer' } } },
      Isolation: { type: 'object', required: ['ok', 'playerId', 'isolated'], properties: { ok: { const: true }, playerId: { type: 'integer' }, isolated: { type: 'boolean' } } },
      ZoneSummary: {
        type: 'object',
        required: ['id', 'name', 'state', 'players', 'tickP99Ms'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          state: { enum: ['starting', 'running', 'restarting', 'stopping', 'stopped'] },
          players: { type: ['integer', 'null'] },
          tickP99Ms: { type: ['number', 'null'] },
        },
      },
      ZoneRoster: {
        type: 'object',
        required: ['ok', 'zoneId', 'players'],
        properties: {
          ok: { const: true },
          zoneId: { type: 'integer' },
          players: {
            type: 'array',
            items: { type: 'object', required: ['playerId', 'name', 'x', 'y'], properties: { playerId: { type: 'integer' }, name: { type: 'string' }, x: { type: 'number' }, y: { type: 'number' } } },
          },
        },
      },
      ZoneMap: {
        type: 'object',
        required: ['zoneId', 'tick', 'bounds', 'count', 'entities'],
        properties: {
          zoneId: { type: 'integer' },
          tick: { type: 'integer', description: 'The zone\'s tick the sample was taken after.' },
          bounds: {
            type: 'object',
            required: ['x', 'y', 'width', 'height'],
            description: 'World coordinates, metres: the zone\'s south-west corner and its size.',
            properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } },
          },
          count: wholeNumber,
          entities: {
            type: 'object',
            description: 'One column per property, `count` rows: row i of every column is entity i. Positions in world coordinates, to 0.1 m.',
            required: ['id', 'playerId', 'kind', 'x', 'y'],
            properties: {
              id: { type: 'array', items: wholeNumber, description: 'Entity ids, as the protocol names them.' },
              playerId: { type: 'array', items: wholeNumber, description: '0 for an NPC.' },
              kind: { type: 'array', items: { enum: ['player', 'npc'] } },
              x: { type: 'array', items: { type: 'number' } },
              y: { type: 'array', items: { type: 'number' } },
            },
          },
        },
      },
      GrantDone: {
        type: 'object',
        required: ['ok', 'opId', 'replayed', 'playerId', 'gold', 'items'],
        properties: { ok: { const: true }, opId: { type: 'string' }, replayed: { type: 'boolean' }, playerId: { type: 'integer' }, gold: wholeNumber, items: { type: 'array', items: ref('Item') } },
      },
      MailSent: {
        type: 'object',
        required: ['ok', 'opId', 'replayed', 'mail'],
        properties: {
          ok: { const: true },
          opId: { type: 'string' },
          replayed: { type: 'boolean' },
          mail: {
            type: 'object',
            required: ['mailId', 'from', 'to', 'gold', 'items', 'sentAt'],
            properties: { mailId: { type: 'integer' }, from: { type: ['integer', 'null'] }, to: { type: 'integer' }, gold: wholeNumber, items: { type: 'array', items: ref('Item') }, sentAt: { type: 'integer' } },
          },
        },
      },
      AuditEntry: {
        type: 'object',
        required: ['seq', 'auditId', 'at', 'credential', 'requestId', 'action', 'playerId', 'request', 'outcome', 'result'],
        properties: {
          seq: { type: 'integer' },
          auditId: { type: 'string' },
          at: { type: 'string', description: 'ISO 8601' },
          credential: { type: 'string', description: 'admin-token: and a fingerprint of the token, never the token; `/console` after it when the request came from a console session.' },
          requestId: { type: 'string' },
          action: { enum: ['player.change', 'player.kick', 'player.isolate', 'player.release', 'grant', 'mail', 'chat'] },
          playerId: { type: ['integer', 'null'] },
          request: { type: 'object', description: 'The request body.' },
          outcome: { enum: ['ok', 'refused', 'failed'] },
          result: { type: 'object', description: 'The answer.' },
        },
      },
    },
  },
});
