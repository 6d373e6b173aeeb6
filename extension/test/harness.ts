// What the component tests share: relay answers as SSE streams (whole, or fed frame by frame) and waiting
// for the DOM to reach a state.

import { act } from 'react';
import { vi } from 'vitest';

export function sse(frames: Array<[string, unknown]>): Response {
  const text = frames.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join(': ping\n\n');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 17) c.enqueue(bytes.slice(i, i + 17));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

/** An SSE reply the test feeds frame by frame; it ignores abort (like frames already in flight) unless told. */
export function controlledSse(init?: RequestInit, honourAbort = true) {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
    },
  });
  if (honourAbort) {
    init?.signal?.addEventListener('abort', () => ctrl.error(new DOMException('The operation was aborted.', 'AbortError')));
  }
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    push(name: string, data: unknown) {
      ctrl.enqueue(new TextEncoder().encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    close() {
      ctrl.close();
    },
  };
}

export async function settle(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
  }
}

/** Lets the updates still pending from the test (a config fetch, a stream's last events) land inside act,
 * then unmounts and removes the container: React would otherwise warn of an update outside act after the
 * test. Also undoes the test's stubbed globals (fetch). */
export async function unmountSettled(root: { unmount(): void }, container: HTMLElement): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 10));
  });
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
}
