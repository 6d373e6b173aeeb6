// Incremental parser for `text/event-stream` (the WHATWG rules): chunks may split anywhere, even
// between "\r" and "\n"; comments (":" lines) are heartbeats; multi-line `data:` is joined with "\n".

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseParser {
  /** Feeds decoded text; calls `onEvent` for every complete event in it. */
  push(chunk: string): void;
  /** Ends the stream: a trailing event without its blank line is dropped, as the spec says. */
  end(): void;
}

export function createSseParser(onEvent: (event: SseEvent) => void, onComment?: (text: string) => void): SseParser {
  let buffer = '';
  let skipLeadingLf = false; // the previous chunk ended on "\r": a "\n" starting the next one belongs to it
  let first = true;
  let eventName = '';
  let dataLines: string[] = [];
  let hasData = false;
  let lastId: string | undefined;

  function dispatch(): void {
    if (hasData) {
      const event: SseEvent = { event: eventName || 'message', data: dataLines.join('\n') };
      if (lastId !== undefined) event.id = lastId;
      onEvent(event);
    }
    eventName = '';
    dataLines = [];
    hasData = false;
  }

  function line(text: string): void {
    if (text === '') {
      dispatch();
      return;
    }
    if (text.startsWith(':')) {
      onComment?.(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') {
      dataLines.push(value);
      hasData = true;
    } else if (field === 'id' && !value.includes('\0')) lastId = value;
    // `retry` and unknown fields are ignored: the client does not reconnect by itself.
  }

  return {
    push(chunk: string): void {
      if (chunk === '') return;
      if (first) {
        first = false;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      if (skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      skipLeadingLf = false;
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (c !== '\n' && c !== '\r') continue;
        line(buffer.slice(start, i));
        if (c === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++;
          } else {
            skipLeadingLf = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    end(): void {
      buffer = '';
      eventName = '';
      dataLines = [];
      hasData = false;
    },
  };
}

/** Reads a fetch body to the end, feeding the parser; stops early when `signal` aborts. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SseEvent) => void,
  onComment?: (text: string) => void,
): Promise<void> {
  const parser = createSseParser(onEvent, onComment);
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
