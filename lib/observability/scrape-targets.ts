import { IConstruct } from 'constructs';
import { EXPORTER_IMAGES } from '../data/versions';
import { WebService } from '../workloads/web-service';
import { Workload } from '../workloads/workload';
import { ResolvedMetricsEndpoint, WorkloadMetrics } from './workload-metrics';

/** Engines whose exporters the dashboards know (keys of EXPORTER_IMAGES). */
export type ExporterEngine = keyof typeof EXPORTER_IMAGES;

/**
 * One scraped workload as the alerts and dashboards see it: the Prometheus `job` (the
 * workload name, see WorkloadMetrics) and what its endpoints serve.
 */
export interface ScrapeTarget {
  readonly workload: Workload;
  /** Value of the `job` label of its series. */
  readonly job: string;
  readonly endpoints: readonly ResolvedMetricsEndpoint[];
  /** A web service whose own container serves metrics: it has HTTP request metrics. */
  readonly http: boolean;
  /** The engine of an exporter sidecar among its endpoints, if any. */
  readonly exporter?: ExporterEngine;
}

/** Every workload under `scope` (normally a SystemChart) that serves metrics, in tree order. */
export function scrapeTargetsOf(scope: IConstruct): ScrapeTarget[] {
  const out: ScrapeTarget[] = [];
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof WorkloadMetrics)) continue;
    const workload = construct.node.scope as Workload;
    const endpoints = construct.endpoints();
    const http = workload instanceof WebService && endpoints.some((e) => e.container === workload.container.name);
    const sidecarImages = endpoints.flatMap((e) => workload.sidecars.filter((s) => s.name === e.container).map((s) => s.props.image));
    out.push({ workload, job: workload.name, endpoints, http, exporter: sidecarImages.map(exporterEngineOf).find((x) => x !== undefined) });
  }
  return out;
}

/** The engine an exporter image belongs to, by repository (any tag). */
export function exporterEngineOf(image: string): ExporterEngine | undefined {
  // Docker Hub's own spelling (`docker.io/`, `library/`) is the same repository as the short one.
  const repository = (ref: string) =>
    ref
      .split('@')[0]
      .replace(/:[^/:]+$/, '')
      .replace(/^docker\.io\/(library\/)?/, '');
  const entry = Object.entries(EXPORTER_IMAGES).find(([, known]) => repository(known) === repository(image));
  return entry?.[0] as ExporterEngine | undefined;
}
