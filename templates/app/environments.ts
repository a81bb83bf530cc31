import { Environment, EnvironmentName, environmentPresets } from 'cdk8s-stacks';

/**
 * dev, staging and prod: the library's presets (replicas, resources, TLS, backups, image and
 * resource rules, alert timing) with this cluster's own values. Change them here only.
 */
export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({
  // Argo CD reads dist/ from this repository.
  gitops: { repoURL: 'https://git.example.com/platform/{{name}}.git', targetRevision: 'main' },
  // Secrets are generated in the cluster; use { kind: 'vault', ... } for staging and prod.
  secrets: { kind: 'generated' },
});
