/**
 * The live connection: reads `GET /events` (server-sent events) with `fetch`, because
 * `EventSource` cannot send the bearer token. Calls `onChange` for every `change` event and
 * reconnects with a growing delay (1 s … 15 s) when the stream ends or fails.
 *
 * Entry point: `connectLive(token, handlers)`; the returned function disconnects for good.
 */

export interface Change {
  readonly seq: number;
  readonly kinds: readonly string[];
  readonly deployments: readonly string[];
}

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveHandlers {
  onChange(change: Change): void;
  onState(state: LiveState): void;
}

export function connectLive(token: string, handlers: LiveHandlers): () => void {
  const abort = new AbortController();
  let delay = 1000;
  let stopped = false;

  const run = async () => {
    while (!stopped) {
      handlers.onState('connecting');
      try {
        const response = await fetch('events', {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: abort.signal,
        });
        if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
        await readStream(response.body, (event, data) => {
          if (event === 'hello') {
            delay = 1000;
            handlers.onState('live');
          } else if (event === 'change') handlers.onChange(JSON.parse(data) as Change);
        });
      } catch {
        // The stream failed or was aborted: fall through to the retry (or stop).
      }
      if (stopped) return;
      handlers.onState('offline');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    abort.abort();
  };
}

/** Parses the text/event-stream framing: `event:` and `data:` lines, a blank line ends an event. */
async function readStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  }
}
