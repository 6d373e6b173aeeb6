// The loose shapes this extension reads from Argo CD's props and API (only the fields it uses).

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Application extends KubeObject {
  spec?: { project?: string; [key: string]: unknown };
}

export interface AppRef {
  name: string;
  namespace: string;
  project: string;
}

export interface ResourceRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface ExtensionProps {
  resource?: KubeObject | null;
  application?: Application | null;
  tree?: unknown;
}

export function appRef(application: Application | null | undefined): AppRef {
  const meta = application?.metadata ?? {};
  return {
    name: typeof meta.name === 'string' ? meta.name : '',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    project: typeof application?.spec?.project === 'string' ? application.spec.project : 'default',
  };
}

export function resourceRef(resource: KubeObject | null | undefined): ResourceRef {
  const apiVersion = typeof resource?.apiVersion === 'string' ? resource.apiVersion : '';
  const slash = apiVersion.lastIndexOf('/');
  const meta = resource?.metadata ?? {};
  return {
    group: slash === -1 ? '' : apiVersion.slice(0, slash),
    version: slash === -1 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof resource?.kind === 'string' ? resource.kind : '',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: typeof meta.name === 'string' ? meta.name : '',
    uid: typeof meta.uid === 'string' ? meta.uid : '',
  };
}

/** True when the resource is the Application itself (its own node in the tree). */
export function isApplicationNode(app: AppRef, res: ResourceRef): boolean {
  return res.kind === 'Application' && res.group === 'argoproj.io' && res.name === app.name;
}
