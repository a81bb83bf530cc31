import { demoPlatform, Environment, EnvironmentName, environmentPresets } from 'cdk8s-stacks';

/**
 * dev, staging and prod: the library's presets (replicas, resources, TLS, backups, image and
 * resource rules, alert timing) with the cluster profile of each environment. Change them here only.
 *
 * dev runs on the demo profile (placeholder Git URL, secrets generated in the cluster, the
 * usual ingress-nginx, kube-dns and kube-prometheus-stack). Staging and prod must describe
 * their real clusters: a synth refuses placeholders (example.com, .invalid, localhost, empty)
 * there. Replace the repository, registry and secret backend below with your own.
 */
/**
 * The Kubernetes release the clusters run (1.27 to 1.37): the synth refuses API versions and
 * fields it does not have. During an upgrade, the release not yet upgraded; an environment
 * whose clusters differ names its own.
 */
const KUBERNETES_VERSION = '1.33';

export const ENVIRONMENTS: Record<EnvironmentName, Environment> = environmentPresets({
  platform: {
    dev: { ...demoPlatform(), kubernetesVersion: KUBERNETES_VERSION },
    default: {
      kubernetesVersion: KUBERNETES_VERSION,
      // Argo CD reads dist/ from this repository.
      gitops: { repoURL: 'https://github.com/{{name}}/{{name}}.git', targetRevision: 'main' },
      // Secrets are generated in the cluster; use { kind: 'vault', server, path } to read them from Vault.
      secrets: { kind: 'generated' },
      // Images without a registry host (`my-api:1.0.0`) are pulled from here.
      registry: { host: 'ghcr.io/{{name}}' },
      // Where alerts go (required in staging and prod). A webhook needs no credential; Slack,
      // PagerDuty and e-mail read theirs from a secret store (vault or aws-secrets-manager).
      alerting: { receivers: [{ name: 'team', webhook: { url: 'https://alerts.{{name}}.io/alertmanager' } }], defaultReceiver: 'team' },
    },
  },
});
