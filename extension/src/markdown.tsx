// A small Markdown renderer that builds React elements directly: model text only ever becomes text
// nodes, so raw HTML in an answer is shown as text, never parsed; links are kept only for http(s).

import * as React from 'react';

import { CodeBlock } from './components/CodeBlock';

export function safeHref(url: string): string | null {
  const trimmed = url.trim().replace(/^<|>$/g, '');
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const AUTOLINK = /^https?:\/\/[^\s<>()[\]]+[^\s<>()[\].,;:!?'"]/i;

function findClosing(text: string, marker: string, from: number): number {
  let i = text.indexOf(marker, from);
  while (i !== -1 && text[i - 1] === '\\') i = text.indexOf(marker, i + 1);
  return i;
}

/** Inline Markdown: code spans, bold, italics, links (http/https only), bare URLs, backslash escapes. */
export function renderInline(text: string, keyPrefix = 'i'): React.ReactNode[] {
  const out: React.ReactNode[] = [];
  let plain = '';
  let n = 0;
  const key = (): string => `${keyPrefix}.${n++}`;
  const flush = (): void => {
    if (plain) out.push(plain);
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!<>|~]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let ticks = 1;
      while (text[i + ticks] === '`') ticks++;
      const fence = '`'.repeat(ticks);
      const end = text.indexOf(fence, i + ticks);
      if (end !== -1) {
        flush();
        out.push(<code key={key()}>{text.slice(i + ticks, end).replace(/^ (.+) $/, '$1')}</code>);
        i = end + ticks;
        continue;
      }
    }
    if (c === '[') {
      const close = findClosing(text, ']', i + 1);
      if (close !== -1 && text[close + 1] === '(') {
        const paren = text.indexOf(')', close + 2);
        if (paren !== -1) {
          const label = text.slice(i + 1, close);
          const target = text.slice(close + 2, paren).trim().split(/\s+/)[0] ?? '';
          const href = safeHref(target);
          flush();
          const children = renderInline(label, key());
          out.push(
            href ? (
              <a key={key()} href={href} target="_blank" rel="noopener noreferrer nofollow">
                {children}
              </a>
            ) : (
              <span key={key()}>{children}</span>
            ),
          );
          i = paren + 1;
          continue;
        }
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] === c) {
      const marker = c + c;
      const end = findClosing(text, marker, i + 2);
      if (end > i + 2) {
        flush();
        out.push(<strong key={key()}>{renderInline(text.slice(i + 2, end), key())}</strong>);
        i = end + 2;
        continue;
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] && !/\s/.test(text[i + 1])) {
      const wordInside = c === '_' && i > 0 && /\w/.test(text[i - 1]);
      const end = wordInside ? -1 : findClosing(text, c, i + 1);
      if (end > i + 1 && !/\s/.test(text[end - 1]) && !(c === '_' && /\w/.test(text[end + 1] ?? ''))) {
        flush();
        out.push(<em key={key()}>{renderInline(text.slice(i + 1, end), key())}</em>);
        i = end + 1;
        continue;
      }
    }
    if (c === '~' && text[i + 1] === '~') {
      const end = text.indexOf('~~', i + 2);
      if (end > i + 2) {
        flush();
        out.push(<del key={key()}>{renderInline(text.slice(i + 2, end), key())}</del>);
        i = end + 2;
        continue;
      }
    }
    if ((c === 'h' || c === 'H') && (i === 0 || !/\w/.test(text[i - 1]))) {
      const m = AUTOLINK.exec(text.slice(i));
      const href = m ? safeHref(m[0]) : null;
      if (m && href) {
        flush();
        out.push(
          <a key={key()} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {m[0]}
          </a>,
        );
        i += m[0].length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^(\s*)([-*+])\s+(.*)$/;
const ORDERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function isBlockStart(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || BULLET.test(line) || ORDERED.test(line) || QUOTE.test(line);
}

function tableCells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** Block Markdown: fenced code, headings, rules, lists, quotes, pipe tables and paragraphs. */
export function renderMarkdown(text: string, keyPrefix = 'b'): React.ReactNode[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: React.ReactNode[] = [];
  let n = 0;
  const key = (): string => `${keyPrefix}.${n++}`;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(marker)) body.push(lines[i++]);
      i++; // the closing fence (or the end of an answer still streaming)
      out.push(<CodeBlock key={key()} code={body.join('\n')} language={fence[2] || ''} />);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 2, 6); // h3..h6: the tab already has its own titles
      out.push(React.createElement(`h${level}`, { key: key() }, renderInline(heading[2], key())));
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push(<hr key={key()} />);
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push((QUOTE.exec(lines[i]) as RegExpExecArray)[1]);
        i++;
      }
      out.push(<blockquote key={key()}>{renderMarkdown(body.join('\n'), key())}</blockquote>);
      continue;
    }
    const ordered = ORDERED.exec(line);
    if (BULLET.test(line) || ordered) {
      const pattern = ordered ? ORDERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const m = pattern.exec(lines[i]);
        if (m) {
          items.push(m[3]);
        } else if (lines[i].trim() !== '' && /^\s+/.test(lines[i]) && items.length) {
          items[items.length - 1] += `\n${lines[i].trim()}`; // continuation or nested line
        } else {
          break;
        }
        i++;
      }
      const children = items.map((item, idx) => <li key={idx}>{renderInline(item, `${keyPrefix}.li${idx}`)}</li>);
      out.push(
        ordered ? (
          <ol key={key()} start={Number(ordered[2]) || 1}>
            {children}
          </ol>
        ) : (
          <ul key={key()}>{children}</ul>
        ),
      );
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1])) {
      const head = tableCells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes('|') && lines[i].trim() !== '') rows.push(tableCells(lines[i++]));
      out.push(
        <div key={key()} className="aa-table-wrap">
          <table>
            <thead>
              <tr>
                {head.map((cell, c) => (
                  <th key={c}>{renderInline(cell, `t${c}`)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) => (
                    <td key={c}>{renderInline(cell, `t${r}.${c}`)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && (para.length === 0 || !isBlockStart(lines[i]))) {
      para.push(lines[i++].trim());
    }
    const parts: React.ReactNode[] = [];
    para.forEach((p, idx) => {
      if (idx > 0) parts.push(<br key={`br${idx}`} />);
      parts.push(...renderInline(p, `${keyPrefix}.p${n}.${idx}`));
    });
    out.push(<p key={key()}>{parts}</p>);
  }
  return out;
}
