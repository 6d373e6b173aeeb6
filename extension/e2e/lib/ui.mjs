// What a person does on the host page, as small steps that wait on conditions (with deadlines).
import { join } from 'node:path';

export const ANSWER_TIMEOUT_MS = 30_000;

/**
 * A new tab on the host page with no session; page errors are collected to assert none happened.
 * `initScript` ({fn, arg}) runs in the page before its own scripts.
 */
export async function openHostPage(context, baseUrl, params, initScript = null) {
  await context.clearCookies(); // one signed-in user per scenario
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  if (initScript) await page.addInitScript(initScript.fn, initScript.arg);
  await page.goto(`${baseUrl}/?${new URLSearchParams(params)}`);
  return { page, errors };
}

export async function login(page, username, password) {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').filter({ hasText: username }).waitFor();
}

/** Picks a resource from the application's resource list (first whose name starts with `namePrefix`). */
export async function openResource(page, kind, namePrefix) {
  const item = page.locator(`[data-testid^="resource-${kind}-${namePrefix}"]`).first();
  await item.click();
  const name = (await item.getAttribute('data-testid')).slice(`resource-${kind}-`.length);
  await page.getByTestId('tab-Assistant').click();
  await page.getByTestId('assistant-root').waitFor();
  return name;
}

/** The context chips (manifest, events) the Assistant attaches on its own. */
export async function waitForDefaultChips(page) {
  await page.getByTestId('chip-manifest').waitFor();
  await page.getByTestId('chip-events').waitFor();
}

/** Sends a question; returns the index of the assistant message that answers it. */
export async function ask(page, question) {
  const index = await page.getByTestId('message-assistant').count();
  await page.getByTestId('chat-input').fill(question);
  await page.getByTestId('chat-send').click();
  await page.getByTestId('message-assistant').nth(index).waitFor();
  return index;
}

/** Waits until answer `index` stops streaming; its state (done = the `end` event came), text and tool cards. */
export async function settledAnswer(page, index, timeout = ANSWER_TIMEOUT_MS) {
  await page.waitForFunction(
    (i) => {
      const m = document.querySelectorAll('[data-testid="message-assistant"]')[i];
      return m !== undefined && m.getAttribute('data-state') !== 'streaming';
    },
    index,
    { timeout },
  );
  return readAnswer(page, index);
}

export async function readAnswer(page, index) {
  const answer = page.getByTestId('message-assistant').nth(index);
  const tools = answer.getByTestId('tool-card');
  const toolCards = [];
  for (let i = 0; i < (await tools.count()); i++) {
    const card = tools.nth(i);
    toolCards.push({ name: await card.getAttribute('data-tool'), text: await card.innerText() });
  }
  return { state: await answer.getAttribute('data-state'), text: await answer.innerText(), toolCards };
}

/** The chat error under the transcript, if any (to make a failed assertion say why). */
export async function chatError(page) {
  const error = page.getByTestId('chat-error');
  return (await error.count()) ? error.innerText() : null;
}

export async function screenshot(page, dir, name) {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
