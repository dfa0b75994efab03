/**
 * Typed listeners by event name, for the SDK's client: `on`, `next` and `emit`, and a word to
 * the owner when an event gains its first listener or loses its last (the client then starts or
 * stops producing per-entity events, which cost nothing while nobody listens).
 */
export type Listener<T> = (value: T) => void;

export class Listeners<Events> {
  private readonly byEvent = new Map<keyof Events, Set<Listener<never>>>();
  private readonly listening: (event: keyof Events, listening: boolean) => void;

  /** `listening(event, true)` when `event` gains its first listener, `(event, false)` when it loses its last. */
  constructor(listening: (event: keyof Events, listening: boolean) => void = () => {}) {
    this.listening = listening;
  }

  /** Adds `listener`; the function returned removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.byEvent.get(event);
    if (!set) this.byEvent.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    if (set.size === 1) this.listening(event, true);
    return () => {
      if (set.delete(listener as Listener<never>) && set.size === 0) this.listening(event, false);
    };
  }

  /** Resolves with the next `event` for which `match` holds. */
  next<E extends keyof Events>(event: E, match: (value: Events[E]) => boolean = () => true): Promise<Events[E]> {
    return new Promise((resolve) => {
      const off = this.on(event, (value) => {
        if (!match(value)) return;
        off();
        resolve(value);
      });
    });
  }

  emit<E extends keyof Events>(event: E, value: Events[E]): void {
    const set = this.byEvent.get(event);
    if (!set || set.size === 0) return;
    // A copy: a listener that adds or removes listeners changes the next emit, not this one.
    for (const listener of [...set]) (listener as Listener<Events[E]>)(value);
  }
}
