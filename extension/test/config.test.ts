import { afterEach, describe, expect, it } from 'vitest';

import { eventsQuery } from '../src/argocd';
import { assistantVars, isProxyRoute, parseRelayConfig, routingHeaders } from '../src/config';
import { appRef, resourceRef } from '../src/types';

const application = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'portal', namespace: 'tenants', uid: 'a1' }, spec: { project: 'team-a' } };

afterEach(() => {
  delete (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS;
});

describe('configuration', () => {
  it('uses the proxy extension path unless ASSISTANT_VARS names another same-origin path', () => {
    expect(assistantVars().basePath).toBe('/extensions/assistant');
    (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS = { basePath: '/assistant/' };
    expect(assistantVars().basePath).toBe('/assistant');
    expect(isProxyRoute('/assistant')).toBe(false);
    (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS = { basePath: '//evil.example' };
    expect(assistantVars().basePath).toBe('/extensions/assistant');
  });

  it('reads the upper-cased BASEPATH key the extension installer writes, at call time', () => {
    expect(assistantVars().basePath).toBe('/extensions/assistant');
    // what extension-0-ASSISTANT_vars.js does, after the bundle has loaded
    (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS = { BASEPATH: '/assistant' };
    expect(assistantVars().basePath).toBe('/assistant');
    (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS = { BASEPATH: 'https://evil.example/x' };
    expect(assistantVars().basePath).toBe('/extensions/assistant');
  });

  it('caps the default log lines at the maximum and falls back on bad values', () => {
    expect(parseRelayConfig({ model: 'm', identity_modes: ['cookie', 1], log_lines_default: 900, log_lines_max: 500 })).toEqual({
      model: 'm',
      identity_modes: ['cookie'],
      log_lines_default: 500,
      log_lines_max: 500,
      feedback: false,
    });
    expect(parseRelayConfig({ log_lines_default: -1, log_lines_max: 'x' })).toMatchObject({ log_lines_default: 200, log_lines_max: 1000 });
  });

  it('offers feedback only when the relay says it takes it', () => {
    expect(parseRelayConfig({ feedback: true }).feedback).toBe(true);
    expect(parseRelayConfig({ feedback: false }).feedback).toBe(false);
    expect(parseRelayConfig({ feedback: 'yes' }).feedback).toBe(false);
    expect(parseRelayConfig({}).feedback).toBe(false); // a relay from before feedback
  });

  it('names the application by its own namespace and the project in the proxy headers', () => {
    expect(routingHeaders(appRef(application), 'tok')).toEqual({
      'Argocd-Application-Name': 'tenants:portal',
      'Argocd-Project-Name': 'team-a',
      'X-Argocd-Token': 'tok',
    });
    expect(routingHeaders(appRef(application))).not.toHaveProperty('X-Argocd-Token');
  });

  it('asks for the Application’s own events on the Application node, without resource parameters', () => {
    const q = eventsQuery(appRef(application), resourceRef(application));
    expect(q.get('appNamespace')).toBe('tenants');
    expect(q.has('resourceUID')).toBe(false);
  });
});
