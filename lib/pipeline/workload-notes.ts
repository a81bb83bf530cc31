import { SystemChart } from '../core/system-chart';
import { SystemNamespace } from '../security/system-namespace';
import { SystemSecret } from '../security/system-secret';
import { describeSecurityException, PodSecurityLevel, requiredPodSecurityLevel } from '../workloads/security-exception';
import { Workload } from '../workloads/workload';

/** One workload's security exception, as synth prints it and the README lists it. */
export interface SecurityExceptionSummary {
  /** Construct path of the workload. */
  readonly workload: string;
  /** What it grants, e.g. `adds NET_BIND_SERVICE`. */
  readonly grants: string;
  /** The lowest Pod Security level that admits it. */
  readonly level: PodSecurityLevel;
  readonly reason: string;
}

/** The security exceptions declared by the workloads of `chart`, in tree order. */
export function securityExceptionsOf(chart: SystemChart): SecurityExceptionSummary[] {
  return workloadsOf(chart).flatMap((w) => {
    const e = w.container.securityException;
    return e ? [{ workload: w.node.path, grants: describeSecurityException(e), level: requiredPodSecurityLevel(e), reason: e.reason }] : [];
  });
}

/**
 * README sections about the workloads: their security exceptions, what their images must
 * do to run as the chart's user, and the Secrets people provide.
 */
export function workloadReadmeSections(chart: SystemChart): string[] {
  const sections: string[] = [];
  const exceptions = workloadsOf(chart).filter((w) => w.container.securityException);
  if (exceptions.length > 0) {
    const level = SystemNamespace.of(chart)?.podSecurity ?? 'restricted';
    const lines = [
      '## Pod Security exceptions',
      '',
      `Declared per workload, with the reason; the namespace enforces \`${level}\`.`,
      '',
      '| workload | grants | admitted by | reason |',
      '| --- | --- | --- | --- |',
    ];
    for (const w of exceptions) {
      const e = w.container.securityException!;
      lines.push(`| ${w.name} | ${describeSecurityException(e)} | \`${requiredPodSecurityLevel(e)}\` | ${cell(e.reason)} |`);
    }
    sections.push(lines.join('\n'));
  }
  const notes = workloadsOf(chart).filter((w) => w.imageUser);
  if (notes.length > 0) {
    const lines = ['## What the images must do to run here', ''];
    for (const w of notes) {
      const c = w.container;
      const writable = w.writableMounts().map((m) => m.mountPath);
      const rootFs = c.securityException?.writableRootFilesystem === true ? 'a writable root filesystem' : 'a read-only root filesystem';
      lines.push(
        `- \`${w.name}\` (\`${c.props.image}\`) runs as uid ${c.user}, gid ${c.group}, with ${rootFs} (writable: ${writable.join(', ')}) ` +
          `and no capabilities beyond those listed above. The image expects: ${w.imageUser!.expects}. It must: ${w.imageUser!.mustDo}.`,
      );
    }
    sections.push(lines.join('\n'));
  }
  const provided = chart.node.findAll().filter((c): c is SystemSecret => c instanceof SystemSecret && c.provided !== undefined);
  if (provided.length > 0) {
    const env = chart.environment;
    const lines = ['## Secrets provided by people', '', 'Never generated: random values cannot stand in for these.', ''];
    for (const s of provided) {
      lines.push(`- \`${s.secretName}\` (keys: ${s.keys.join(', ')}): provided by ${s.provided!.by}. How: ${s.provided!.how}.`);
      if (s.createdOutsideGit) {
        const from = s.keys.map((k) => `--from-literal=${k}="$${envVar(k)}"`).join(' ');
        lines.push(
          `  Nothing in this folder creates it: before the first apply, with the values in the shell variables, run` +
            ` \`kubectl -n ${chart.namespaceName} create secret generic ${s.secretName} ${from}\`.`,
        );
      } else {
        lines.push(
          `  The secret store's entry \`${chart.system}/${env.name}/${s.secretName}\` holds them, one property per key; the ExternalSecret copies it into the namespace.`,
        );
      }
    }
    sections.push(lines.join('\n'));
  }
  return sections;
}

/** A shell variable name for a Secret key, e.g. `vapid-public` -> `VAPID_PUBLIC`. */
function envVar(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function workloadsOf(chart: SystemChart): Workload[] {
  return chart.node.findAll().filter((c): c is Workload => c instanceof Workload);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
