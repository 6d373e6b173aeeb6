// Entry point: registers the Assistant tab on every resource. Runs as a plain script inside Argo CD's
// /extensions.js, so nothing here may throw (before Argo CD 3.5 one throwing extension stops the rest).

import * as React from 'react';

import { Assistant } from './components/Assistant';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ensureStyles } from './styles';
import type { ExtensionProps } from './types';

export function AssistantTab(props: ExtensionProps): React.ReactElement {
  ensureStyles();
  return (
    <ErrorBoundary>
      <Assistant {...props} />
    </ErrorBoundary>
  );
}

interface ExtensionsAPI {
  registerResourceExtension?: (
    component: unknown,
    group: string,
    kind: string,
    tabTitle: string,
    opts?: { icon?: string },
  ) => void;
}

export function register(): void {
  try {
    const w = window as unknown as { extensionsAPI?: ExtensionsAPI; React?: unknown };
    const api = w.extensionsAPI;
    if (!w.React || !api || typeof api.registerResourceExtension !== 'function') {
      console.warn('[argocd-assistant] window.React or extensionsAPI missing: the Assistant tab is not registered');
      return;
    }
    api.registerResourceExtension(AssistantTab, '**', '*', 'Assistant', { icon: 'fa fa-robot' });
  } catch (e) {
    console.error('[argocd-assistant] could not register the Assistant tab', e);
  }
}
