/**
 * The operator console, on the operations port behind ADMIN_TOKEN:
 *   GET  /console              the console (console.html) with a session, its log-in page without
 *   POST /console/session      log in: a form with `token`; 303 to /console with the session's cookie
 *   POST /console/logout       log out (with the session's CSRF token, as every write)
 *   GET  /console/console.js, /console/console.css   the page's script and style (no data in them)
 * The page itself is a client of the admin API (admin-api.ts), which takes the session's cookie
 * as it takes the bearer token; console-sessions.ts says how a session is kept safe.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.ts';
import type { AdminCredential } from './admin-credential.ts';
import { ConsoleSessions, CSRF_HEADER } from './console-sessions.ts';

/** The page's files, in console/ next to this one. */
const file = (name: string): string => readFileSync(new URL(`console/${name}`, import.meta.url), 'utf8');

/** The largest log-in form read: a token and its field name. */
const MAX_FORM_BYTES = 4096;

/** The pages load nothing from elsewhere and run no inline script; nobody may frame them. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export class ConsolePages {
  private readonly credential: AdminCredential;
  private readonly sessions: ConsoleSessions;
  private readonly log: Logger;
  private readonly pages = { console: file('console.html'), login: file('login.html') };
  private readonly assets: Record<string, { type: string; text: string }> = {
    '/console/console.js': { type: 'text/javascript; charset=utf-8', text: file('console.js') },
    '/console/console.css': { type: 'text/css; charset=utf-8', text: file('console.css') },
  };

  constructor(credential: AdminCredential, sessions: ConsoleSessions, log: Logger) {
    this.credential = credential;
    this.sessions = sessions;
    this.log = log;
  }

  /** Answers a request for /console or under /console/. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (!this.credential.enabled) return this.page(response, 404, this.loginPage('The console is off: set ADMIN_TOKEN to turn it on.'));
    const session = this.sessions.find(request.headers.cookie);
    const route = `${request.method} ${path}`;
    if (route === 'POST /console/session') return void this.logIn(request, response);
    if (route === 'POST /console/logout') {
      request.resume();
      if (session && request.headers[CSRF_HEADER] === session.csrf) this.sessions.end(session);
      response.writeHead(303, { ...PAGE_HEADERS, location: '/console', 'set-cookie': ConsoleSessions.clearedCookie }).end();
      return;
    }
    request.resume();
    if (request.method !== 'GET' && request.method !== 'HEAD') return void response.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path === '/console' || path === '/console/') {
      if (!session) return this.page(response, 200, this.loginPage(''));
      return this.page(response, 200, this.pages.console.replace('{{csrf}}', session.csrf));
    }
    // The script and the style hold no data: the log-in page uses the style.
    const asset = this.assets[path];
    if (!asset) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    response.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type }).end(asset.text);
  }

  private async logIn(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    if (form === undefined || !this.credential.matches(form.get('token') ?? '')) {
      this.log.warn({ address: request.socket.remoteAddress }, 'console log-in refused: wrong token');
      return this.page(response, 401, this.loginPage('That is not the admin token.'));
    }
    const session = this.sessions.open();
    this.log.info({ address: request.socket.remoteAddress, credential: this.credential.fingerprint }, 'console log-in');
    response.writeHead(303, { ...PAGE_HEADERS, location: '/console', 'set-cookie': this.sessions.cookieOf(session) }).end();
  }

  private loginPage(message: string): string {
    return this.pages.login.replace('{{message}}', escapeHtml(message));
  }

  private page(response: ServerResponse, status: number, html: string): void {
    response.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(html);
  }
}

/** A url-encoded form's fields; undefined when it is too large. */
function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_FORM_BYTES ? undefined : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', () => resolve(undefined));
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
