import { ApiObject } from 'cdk8s';
import { findComponent, toLabelValue } from '../core/component';
import { Json, sortedByKey } from '../core/json';
import { CLUSTER_SCOPED_KINDS } from './apply-order';

export const MANAGED_BY = 'cdk8s-stacks';
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** What every object of one output unit shares. */
export interface LabelContext {
  /** `app.kubernetes.io/part-of`: the system. */
  readonly partOf: string;
  /** `app.kubernetes.io/instance`: the system in its environment. */
  readonly instance: string;
  /** `app.kubernetes.io/version` for objects not owned by a versioned component. */
  readonly version: string;
  /** Annotations the pipeline derives for one object (the linter waivers). @default - none */
  readonly annotations?: (construct: ApiObject) => Record<string, string>;
}

/**
 * Adds the recommended `app.kubernetes.io/*` labels to the object and to its pod
 * template(s), the Argo CD sync wave matching the apply order, and removes the chart's
 * namespace from cluster-scoped kinds. Labels set explicitly by a construct win.
 */
export function decorate(object: Json, construct: ApiObject, context: LabelContext, applyOrder: number): void {
  const component = findComponent(construct);
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': toLabelValue(component?.name ?? context.partOf),
    'app.kubernetes.io/instance': toLabelValue(context.instance),
    'app.kubernetes.io/component': toLabelValue(component?.component ?? 'platform'),
    'app.kubernetes.io/part-of': toLabelValue(context.partOf),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/version': toLabelValue(component?.version ?? context.version),
  };
  const metadata: Json = (object.metadata ??= {});
  metadata.labels = sortedByKey({ ...labels, ...metadata.labels });
  metadata.annotations = sortedByKey({ ...metadata.annotations, ...context.annotations?.(construct), [SYNC_WAVE_ANNOTATION]: String(applyOrder) });
  if (CLUSTER_SCOPED_KINDS.has(object.kind)) delete metadata.namespace;

  for (const template of podTemplates(object)) {
    const templateMetadata: Json = (template.metadata ??= {});
    templateMetadata.labels = sortedByKey({ ...labels, ...templateMetadata.labels });
  }
  // Canonical key order: apiVersion, kind, metadata (name, namespace, labels, annotations first).
  const { name, namespace, labels: l, annotations: a, ...otherMetadata } = metadata;
  const { apiVersion, kind, metadata: _, ...rest } = object;
  for (const key of Object.keys(object)) delete object[key];
  Object.assign(object, { apiVersion, kind, metadata: { name, namespace, labels: l, annotations: a, ...otherMetadata }, ...rest });
  if (object.metadata.namespace === undefined) delete object.metadata.namespace;
}

/** The pod templates of a workload object (none for other kinds). */
export function podTemplates(object: Json): Json[] {
  switch (object.kind) {
    case 'Deployment':
    case 'Rollout':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return object.spec?.template ? [object.spec.template] : [];
    case 'CronJob': {
      const jobTemplate = object.spec?.jobTemplate;
      return jobTemplate?.spec?.template ? [jobTemplate.spec.template] : [];
    }
    default:
      return [];
  }
}
