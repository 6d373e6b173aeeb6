import { describe, expect, it } from 'vitest';

import { readAllowed } from '../src/reads';

const read = (path: string, method = 'GET') => ({ id: 'r', method, path, query: [], max_bytes: 1, timeout_seconds: 1 });

describe('the Argo CD reads the tab carries out for the relay', () => {
  it('allows the read-only application and ApplicationSet endpoints the tools use', () => {
    for (const path of [
      '/api/v1/applications',
      '/api/v1/applications/checkout',
      '/api/v1/applications/checkout/resource-tree',
      '/api/v1/applications/checkout/managed-resources',
      '/api/v1/applications/checkout/logs',
      '/api/v1/applications/checkout/revisions/9f2c1e4b7a0d/metadata',
      '/api/v1/applications/billing/revisions/2.4.1/chartdetails',
      '/api/v1/applicationsets',
      '/api/v1/applicationsets/team-a-previews',
    ]) {
      expect(readAllowed(read(path)), path).toBe(true);
    }
  });

  it('refuses writes, other APIs and paths that climb out', () => {
    for (const [path, method] of [
      ['/api/v1/applications/checkout/sync', 'GET'],
      ['/api/v1/applications/checkout', 'POST'],
      ['/api/v1/applications/checkout/revisions/abc/other', 'GET'],
      ['/api/v1/applications/checkout/revisions/metadata', 'GET'],
      ['/api/v1/applicationsets/x/y', 'GET'],
      ['/api/v1/session', 'GET'],
      ['/api/v1/applications/../session', 'GET'],
      ['/api/v1/clusters', 'GET'],
    ]) {
      expect(readAllowed(read(path, method)), `${method} ${path}`).toBe(false);
    }
  });
});
