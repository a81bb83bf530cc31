/**
 * Shared by the alerting suites: the Debian programs (installed by
 * scripts/observability/install-alerting-tools.sh) and the Alertmanager configuration the
 * operator generates from one environment's objects.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import {} from '../../../lib';
import { AlertmanagerConfigObject, renderAlertmanagerConfig } from '../../../lib/observability/alert-routing';

type Json = Record<string, any>;

const repo = path.resolve(__dirname, '../../..');

export interface AlertingTools {
  readonly amtool: string;
  readonly alertmanager: string;
  readonly prometheus: string;
}

/** Installs what is missing (as root) and returns the programs; a missing program fails the suite. */
export function alertingTools(): AlertingTools {
  const r = spawnSync('bash', [path.join(repo, 'scripts/observability/install-alerting-tools.sh')], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`scripts/observability/install-alerting-tools.sh exited ${r.status ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  const [amtool, alertmanager, prometheus] = r.stdout.trim().split('\n');
  return { amtool, alertmanager, prometheus };
}

/** A secret value as the operator would inline it: recognisable, and a valid URL where one is expected. */
export const fakeSecret = (namespace: string, name: string, key: string) => `https://secret.invalid/${namespace}/${name}/${key}`;

/** True when every label of `selector` is on `labels`. */
function selects(selector: Json | undefined, labels: Json | undefined): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

/**
 * The configuration file the operator generates for the Alertmanager among `objects` (one
 * environment: its platform folder and its systems): its base AlertmanagerConfig and every
 * AlertmanagerConfig its selector takes (its namespace selector is `{}`: every namespace).
 */
export function generatedAlertmanagerConfig(
  objects: readonly Json[],
  secret = fakeSecret,
): { config: Json; alertmanager: Json; systems: AlertmanagerConfigObject[] } {
  const managers = objects.filter((o) => o.kind === 'Alertmanager');
  if (managers.length !== 1) throw new Error(`expected one Alertmanager, found ${managers.length}`);
  const am = managers[0];
  const configs = objects.filter((o) => o.kind === 'AlertmanagerConfig');
  const base = configs.find((o) => o.metadata.namespace === am.metadata.namespace && o.metadata.name === am.spec.alertmanagerConfiguration?.name);
  if (!base)
    throw new Error(
      `no AlertmanagerConfig ${am.metadata.namespace}/${am.spec.alertmanagerConfiguration?.name} (the Alertmanager's base configuration)`,
    );
  if (selects(am.spec.alertmanagerConfigSelector, base.metadata.labels))
    throw new Error('the base AlertmanagerConfig is also selected as a system one');
  const toObject = (o: Json): AlertmanagerConfigObject => ({ namespace: o.metadata.namespace, name: o.metadata.name, spec: o.spec });
  const systems = configs.filter((o) => o !== base && selects(am.spec.alertmanagerConfigSelector, o.metadata.labels)).map(toObject);
  return { config: renderAlertmanagerConfig(toObject(base), systems, secret), alertmanager: am, systems };
}
