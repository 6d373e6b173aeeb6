// The extension's CSS, injected once into <head>. Every class starts with `aa-` so nothing leaks into
// Argo CD's own styles. Colours follow Argo CD's palette; `.theme-dark` on an ancestor (Argo CD's
// dark theme) or `aa-dark` (prefers-color-scheme when the page sets no theme) switch to dark.

const STYLE_ID = 'argocd-assistant-styles';

const CSS = `
.aa-root{--aa-bg:#fff;--aa-bg-soft:#f4f7f9;--aa-border:#dee6eb;--aa-text:#363c4a;--aa-muted:#6d7f8b;
--aa-accent:#00a2b3;--aa-accent-strong:#0b7f8c;--aa-blue:#0dadea;--aa-user:#e6f6f8;--aa-danger:#e96d76;
--aa-danger-bg:#fdecee;--aa-ok:#18be94;--aa-code-bg:#f4f7f9;--aa-focus:#0dadea;--aa-warn:#c98a00;--aa-warn-bg:#fff7e0;
font-family:Heebo,-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;font-size:14px;line-height:1.5;
color:var(--aa-text);background:var(--aa-bg);display:flex;flex-direction:column;gap:12px;padding:16px;
border-radius:4px;min-height:360px;box-sizing:border-box}
.theme-dark .aa-root,.aa-root.aa-dark{--aa-bg:#1e262e;--aa-bg-soft:#283039;--aa-border:#3b4652;--aa-text:#dee6eb;
--aa-muted:#98a6b1;--aa-accent:#1bc4d6;--aa-accent-strong:#7fdde8;--aa-user:#1d3b44;--aa-danger:#f08a92;
--aa-danger-bg:#3d2327;--aa-code-bg:#141a20;--aa-warn:#f4c030;--aa-warn-bg:#3a3220}
.aa-root *{box-sizing:border-box}
.aa-header{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.aa-title{font-size:16px;font-weight:500;margin:0;flex:1}
.aa-muted{color:var(--aa-muted);font-size:12px}
.aa-btn{font:inherit;font-size:13px;border:1px solid var(--aa-accent);background:var(--aa-bg);color:var(--aa-accent-strong);
border-radius:3px;padding:4px 12px;cursor:pointer;line-height:1.5}
.aa-btn:hover{background:var(--aa-bg-soft)}
/* Argo CD teal in both themes: white text stays readable (the dark accent is too light for it) */
.aa-btn--primary{background:#00a2b3;border-color:#00a2b3;color:#fff}
.aa-btn--primary:hover{background:#0b7f8c;border-color:#0b7f8c;color:#fff}
.aa-btn--danger{border-color:var(--aa-danger);color:var(--aa-danger)}
.aa-btn--small{padding:0 8px;font-size:12px}
.aa-btn:disabled{opacity:.5;cursor:default}
.aa-root button:focus-visible,.aa-root a:focus-visible,.aa-root textarea:focus-visible,.aa-root input:focus-visible,
.aa-root select:focus-visible{outline:2px solid var(--aa-focus);outline-offset:1px}
.aa-chips{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.aa-chip{display:inline-flex;align-items:center;border:1px solid var(--aa-border);background:var(--aa-bg-soft);
border-radius:12px;font-size:12px;overflow:hidden}
.aa-chip button{font:inherit;background:none;border:0;color:var(--aa-text);cursor:pointer;padding:2px 8px}
.aa-chip__remove{border-left:1px solid var(--aa-border)!important;color:var(--aa-muted)!important}
.aa-chip--error{border-color:var(--aa-danger);background:var(--aa-danger-bg)}
.aa-chip--off button{color:var(--aa-muted)}
.aa-preview{border:1px solid var(--aa-border);border-radius:4px;background:var(--aa-code-bg);max-height:260px;
overflow:auto;margin:0;padding:8px;font-size:12px;font-family:"Roboto Mono",Menlo,Consolas,monospace;white-space:pre-wrap;
word-break:break-word}
.aa-panel{border:1px solid var(--aa-border);border-radius:4px;padding:12px;background:var(--aa-bg-soft);
display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end}
.aa-field{display:flex;flex-direction:column;gap:4px;font-size:12px;color:var(--aa-muted)}
.aa-field--inline{flex-direction:row;align-items:center;min-height:30px}
.aa-root input[type=number],.aa-root input[type=password],.aa-root select{font:inherit;font-size:13px;color:var(--aa-text);
background:var(--aa-bg);border:1px solid var(--aa-border);border-radius:3px;padding:4px 6px;min-width:120px}
.aa-transcript{display:flex;flex-direction:column;gap:12px;overflow-y:auto;max-height:60vh;min-height:120px;padding:4px}
.aa-empty{color:var(--aa-muted);text-align:center;padding:24px 8px}
.aa-msg{border-radius:4px;padding:8px 12px;max-width:100%;overflow-wrap:anywhere}
.aa-msg--user{background:var(--aa-user);align-self:flex-end;white-space:pre-wrap;max-width:85%}
.aa-msg--assistant{background:var(--aa-bg);border:1px solid var(--aa-border)}
.aa-msg p{margin:0 0 8px}.aa-msg p:last-child{margin-bottom:0}
.aa-msg h3,.aa-msg h4,.aa-msg h5,.aa-msg h6{margin:12px 0 4px;font-weight:600;line-height:1.3}
.aa-msg h3{font-size:16px}.aa-msg h4{font-size:15px}.aa-msg h5,.aa-msg h6{font-size:14px}
.aa-msg ul,.aa-msg ol{margin:0 0 8px;padding-left:22px}
.aa-msg a{color:var(--aa-blue)}
.aa-msg code{font-family:"Roboto Mono",Menlo,Consolas,monospace;font-size:12px;background:var(--aa-code-bg);
padding:0 3px;border-radius:2px}
.aa-msg blockquote{margin:0 0 8px;padding-left:10px;border-left:3px solid var(--aa-border);color:var(--aa-muted)}
.aa-table-wrap{overflow-x:auto;margin-bottom:8px}
.aa-msg table{border-collapse:collapse;font-size:13px}
.aa-msg th,.aa-msg td{border:1px solid var(--aa-border);padding:2px 8px;text-align:left}
.aa-code{border:1px solid var(--aa-border);border-radius:4px;margin:0 0 8px;background:var(--aa-code-bg)}
.aa-code__bar{display:flex;justify-content:space-between;align-items:center;padding:2px 6px;border-bottom:1px solid var(--aa-border)}
.aa-code__lang{font-size:11px;color:var(--aa-muted)}
.aa-code pre{margin:0;padding:8px;overflow-x:auto}
.aa-code pre code{background:none;padding:0;white-space:pre}
.aa-tool{border:1px solid var(--aa-border);border-left:3px solid var(--aa-blue);border-radius:3px;padding:4px 8px;margin:0 0 8px;
font-size:12px;background:var(--aa-bg-soft)}
.aa-tool--ok{border-left-color:var(--aa-ok)}.aa-tool--failed{border-left-color:var(--aa-danger)}
.aa-tool__name{font-family:"Roboto Mono",Menlo,Consolas,monospace;font-weight:500}
.aa-tool__args{font-family:"Roboto Mono",Menlo,Consolas,monospace;color:var(--aa-muted);word-break:break-all}
/* an action waiting for the person: amber while it waits; the state line says it in words in every tone */
.aa-approval{border:1px solid var(--aa-border);border-left:4px solid var(--aa-warn);border-radius:3px;padding:8px 10px;
margin:0 0 8px;background:var(--aa-bg-soft);display:flex;flex-direction:column;gap:6px}
.aa-approval--waiting{background:var(--aa-warn-bg);border-color:var(--aa-warn)}
.aa-approval--running{border-left-color:var(--aa-blue)}.aa-approval--ok{border-left-color:var(--aa-ok)}
.aa-approval--failed{border-left-color:var(--aa-danger)}.aa-approval--off{border-left-color:var(--aa-muted)}
.aa-approval__title{font-size:12px;color:var(--aa-muted);text-transform:uppercase;letter-spacing:.04em}
.aa-approval__summary{font-size:15px;font-weight:600;color:var(--aa-text)}
.aa-approval__call{font-size:12px}
.aa-approval__args{font-family:"Roboto Mono",Menlo,Consolas,monospace;font-size:12px;color:var(--aa-muted);
word-break:break-all;white-space:pre-wrap}
.aa-approval__more summary{cursor:pointer;color:var(--aa-muted);display:inline}
.aa-approval__more[open] .aa-approval__args{display:block;margin-top:4px;max-height:160px;overflow:auto}
.aa-approval__state{font-weight:500}
.aa-approval__state:focus{outline:none}.aa-approval__state:focus-visible{outline:2px solid var(--aa-focus)}
.aa-approval__buttons{display:flex;gap:8px}
/* Helpful / Not helpful under an answer: the chosen one is pressed (aria-pressed), and the state line says it */
.aa-feedback{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:8px;padding-top:6px;
border-top:1px solid var(--aa-border)}
.aa-feedback__rate{display:inline-flex;align-items:center;gap:4px}
.aa-feedback__rate[aria-pressed=true]{background:var(--aa-user);color:var(--aa-text);border-width:2px;padding:0 7px;font-weight:600}
.aa-feedback__rate[aria-pressed=true]:disabled{opacity:1}
.aa-feedback__icon{width:14px;height:14px;fill:currentColor;flex:none}
.aa-feedback__icon--down{transform:rotate(180deg)}
.aa-feedback__state{font-size:13px}
/* the danger red is too light for text on white: a mark beside the words instead */
.aa-feedback__state--refused{border-left:3px solid var(--aa-danger);padding-left:6px}
.aa-feedback__state:focus{outline:none}.aa-feedback__state:focus-visible{outline:2px solid var(--aa-focus)}
.aa-feedback__comment{flex-basis:100%;display:flex;flex-direction:column;gap:6px}
.aa-feedback__comment textarea{font:inherit;font-size:13px;color:var(--aa-text);background:var(--aa-bg);
border:1px solid var(--aa-border);border-radius:3px;padding:6px 8px;resize:vertical;min-height:52px;max-height:200px;width:100%}
.aa-feedback__comment textarea::placeholder{color:var(--aa-muted)}
.aa-feedback__buttons{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.aa-error{border:1px solid var(--aa-danger);background:var(--aa-danger-bg);border-radius:4px;padding:8px 12px;
display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.aa-cursor{display:inline-block;width:7px;height:14px;background:var(--aa-accent);vertical-align:text-bottom;
animation:aa-blink 1s steps(2,start) infinite}
@keyframes aa-blink{to{visibility:hidden}}
.aa-composer{display:flex;gap:8px;align-items:flex-end}
.aa-composer textarea{flex:1;font:inherit;color:var(--aa-text);background:var(--aa-bg);border:1px solid var(--aa-border);
border-radius:3px;padding:6px 8px;resize:vertical;min-height:38px;max-height:200px}
.aa-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

export function ensureStyles(): void {
  try {
    if (typeof document === 'undefined' || document.getElementById(STYLE_ID)) return;
    const style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  } catch {
    // styling is cosmetic: never let it stop the tab
  }
}
