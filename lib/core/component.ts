import { IConstruct } from 'constructs';

/**
 * What a group of objects is, for the recommended `app.kubernetes.io/*` labels.
 * A construct that owns objects (a web service, a database) marks itself; every object
 * and pod template below it then carries its name, role and version.
 */
export interface ComponentLabels {
  /** `app.kubernetes.io/name`, e.g. `api`. */
  readonly name: string;
  /** `app.kubernetes.io/component`, the role, e.g. `web-service`, `database`, `cache`. */
  readonly component: string;
  /** `app.kubernetes.io/version`, e.g. the image tag. @default - the system's version */
  readonly version?: string;
}

const COMPONENTS = new WeakMap<IConstruct, ComponentLabels>();

/** Declares that the objects below `scope` belong to one component. */
export function markComponent(scope: IConstruct, labels: ComponentLabels): void {
  COMPONENTS.set(scope, labels);
}

/** The nearest component that `construct` belongs to, if any. */
export function findComponent(construct: IConstruct): ComponentLabels | undefined {
  const scopes = construct.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) {
    const labels = COMPONENTS.get(scopes[i]);
    if (labels) return labels;
  }
  return undefined;
}

/** Label values must be at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function toLabelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
