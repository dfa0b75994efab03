/** A Server-Sent Events stream as a test reads it: each event in turn, every wait bounded. */
import { within } from './wait.ts';

export interface StreamEvent {
  readonly event: string;
  readonly data: string;
}

export class EventStreamReader {
  readonly status: number;
  readonly contentType: string | null;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly abort: AbortController;
  private readonly decoder = new TextDecoder();
  private buffered = '';
  private readonly events: StreamEvent[] = [];

  private constructor(response: Response, abort: AbortController) {
    this.status = response.status;
    this.contentType = response.headers.get('content-type');
    this.reader = response.body?.getReader();
    this.abort = abort;
  }

  /** Opens `url` with `headers`; look at `status` before reading events. */
  static async open(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const abort = new AbortController();
    const response = await within(fetch(url, { headers, signal: abort.signal }), `the answer to GET ${url}`);
    return new EventStreamReader(response, abort);
  }

  /** The body of a refused stream (a JSON error). */
  async json(): Promise<Record<string, unknown>> {
    let text = '';
    for (;;) {
      const chunk = await within(this.read(), 'the refusal\'s body');
      if (chunk === undefined) return JSON.parse(text) as Record<string, unknown>;
      text += chunk;
    }
  }

  /** The next event named `event`, skipping others; rejects naming `what` when the stream ends or the wait is too long. */
  async next(event: string, what: string): Promise<StreamEvent> {
    return within(this.nextNamed(event), what);
  }

  close(): void {
    this.abort.abort();
  }

  private async nextNamed(event: string): Promise<StreamEvent> {
    for (;;) {
      const found = this.events.shift();
      if (found) {
        if (found.event === event) return found;
        continue;
      }
      const chunk = await this.read();
      if (chunk === undefined) throw new Error(`the stream ended before a "${event}" event`);
      this.buffered += chunk;
      let end: number;
      while ((end = this.buffered.indexOf('\n\n')) >= 0) {
        const block = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        const lines = block.split('\n');
        const name = lines.find((line) => line.startsWith('event: '))?.slice(7);
        const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
        if (name !== undefined) this.events.push({ event: name, data });
      }
    }
  }

  private async read(): Promise<string | undefined> {
    if (!this.reader) return undefined;
    const { done, value } = await this.reader.read();
    return done ? undefined : this.decoder.decode(value, { stream: true });
  }
}
