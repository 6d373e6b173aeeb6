import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { renderMarkdown, safeHref } from '../src/markdown';

function dom(markdown: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderToStaticMarkup(<div>{renderMarkdown(markdown)}</div>);
  return div;
}

describe('markdown', () => {
  it('shows raw HTML from the model as text, never as elements', () => {
    const el = dom('Look: <img src=x onerror=alert(1)> and <script>alert(1)</script>\n\n<b>bold?</b>');
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('script')).toBeNull();
    expect(el.querySelector('b')).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('drops javascript:, data: and other non-http links but keeps their text', () => {
    const el = dom('[x](javascript:alert(1)) [y](data:text/html,hi) [z](JaVaScRiPt:alert(1)) [w](//evil.example/a)');
    expect(el.querySelectorAll('a')).toHaveLength(0);
    expect(el.textContent).toContain('x');
    for (const a of Array.from(el.querySelectorAll('[href]'))) expect(a.getAttribute('href')).toMatch(/^https?:/);
  });

  it('keeps http and https links, opened safely in a new tab', () => {
    const el = dom('See [the docs](https://argo-cd.readthedocs.io/en/stable/) or http://example.com/x.');
    const links = Array.from(el.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://argo-cd.readthedocs.io/en/stable/', 'http://example.com/x']);
    expect(links[0].getAttribute('rel')).toContain('noopener');
    expect(safeHref('javascript:alert(1)')).toBeNull();
  });

  it('renders fenced code with a copy button and keeps its content verbatim', () => {
    const el = dom('Run:\n\n```bash\nkubectl get pods -n checkout\necho "<b>"\n```\n');
    expect(el.querySelector('pre code')?.textContent).toBe('kubectl get pods -n checkout\necho "<b>"');
    expect(el.querySelector('button[aria-label="Copy code"]')).not.toBeNull();
    expect(el.querySelector('.aa-code__lang')?.textContent).toBe('bash');
  });

  it('renders headings, lists, emphasis, inline code, quotes and tables', () => {
    const el = dom('## Cause\n\n- **CrashLoopBackOff** in `api`\n- *migrate* ok\n\n1. first\n2. second\n\n> note\n\n| a | b |\n|---|---|\n| 1 | 2 |');
    expect(el.querySelector('h4')?.textContent).toBe('Cause');
    expect(el.querySelectorAll('ul li')).toHaveLength(2);
    expect(el.querySelector('strong')?.textContent).toBe('CrashLoopBackOff');
    expect(el.querySelector('code')?.textContent).toBe('api');
    expect(el.querySelector('em')?.textContent).toBe('migrate');
    expect(el.querySelectorAll('ol li')).toHaveLength(2);
    expect(el.querySelector('blockquote')?.textContent).toBe('note');
    expect(el.querySelectorAll('td')).toHaveLength(2);
  });

  it('renders an unfinished code fence while the answer is still streaming', () => {
    const el = dom('Partial:\n```\nline one');
    expect(el.querySelector('pre code')?.textContent).toBe('line one');
  });

  it('leaves snake_case words alone', () => {
    expect(dom('call get_pod_logs now').querySelector('em')).toBeNull();
  });
});
