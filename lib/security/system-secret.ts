import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecDataFromSourceRefGeneratorRefKind,
  ExternalSecretSpecRefreshPolicy,
} from '../../imports/externalsecrets-external-secrets.io';
import { Password } from '../../imports/passwords-generators.external-secrets.io';
import { SystemChart } from '../core/system-chart';
import { checkDnsSubdomain } from '../core/naming';
import { addCheck } from '../core/validation';
import { ownedSecretTarget, secretStoreRef } from './external-secret-source';
import { ISecretSource } from './secret-source';
import { checkProps } from '../core/prop-check';
import { SystemSecretStore } from './secret-backend';
import { requirePlatform } from '../core/platform-requirements';

/**
 * The oldest external-secrets release the generated ExternalSecrets are tested with: the
 * cluster suite runs this controller (built from the Go module proxy, which serves no older
 * release with the `external-secrets.io/v1` API) against every dev system.
 */
export const EXTERNAL_SECRETS_MIN_VERSION = '0.16.2';

export interface SystemSecretProps {
  /** Keys of the Secret, e.g. `['postgres-password', 'password']`. */
  readonly keys: readonly string[];
  /** Name of the Secret. @default - the construct id */
  readonly secretName?: string;
  /** Length of generated values (dev). @default 32 */
  readonly generatedLength?: number;
}

/**
 * A Secret of a system, produced by the external-secrets operator from the
 * environment's backend: random values generated once in the cluster (dev), or the
 * store's `<system>/<env>/<secret>` entry, one property per key (staging, prod).
 * Generated values are letters and digits only, so they are safe inside URLs.
 */
export class SystemSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly keys: readonly string[];
  public readonly describe: string;

  constructor(scope: Construct, id: string, props: SystemSecretProps) {
    super(scope, id);
    checkProps(this, 'SystemSecretProps', props);
    const chart = SystemChart.of(this);
    const env = chart.environment;
    this.secretName = props.secretName ?? id;
    // Props arrive unchecked from JavaScript; a non-array is reported by the check below.
    this.keys = Array.isArray(props.keys) ? [...props.keys].sort() : [];
    this.describe = `SystemSecret ${this.node.path}`;
    const target = ownedSecretTarget(this.secretName);

    if (env.secrets.kind === 'generated') {
      // One Password generator, called once per key: each dataFrom entry generates its own
      // value (key `password`), renamed to the Secret key. The generator's `secretKeys`
      // (several keys from one call) would need a newer external-secrets than the
      // EXTERNAL_SECRETS_MIN_VERSION the cluster suite runs.
      new Password(this, 'generator', {
        metadata: { name: this.secretName },
        spec: { length: props.generatedLength ?? 32, digits: 8, symbols: 0, noUpper: false, allowRepeat: true },
      });
      const kind = ExternalSecretSpecDataFromSourceRefGeneratorRefKind.PASSWORD;
      const generatorRef = { apiVersion: Password.GVK.apiVersion, kind, name: this.secretName };
      new ExternalSecret(this, 'resource', {
        metadata: { name: this.secretName },
        spec: {
          // Generated once: regenerating would lock the applications out of their own data stores.
          refreshPolicy: ExternalSecretSpecRefreshPolicy.CREATED_ONCE,
          target,
          dataFrom: this.keys.map((key) => ({ sourceRef: { generatorRef }, rewrite: [{ regexp: { source: '^password$', target: key } }] })),
        },
      });
    } else {
      const store = SystemSecretStore.of(chart);
      new ExternalSecret(this, 'resource', {
        metadata: { name: this.secretName },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: secretStoreRef(store!),
          target,
          data: this.keys.map((key) => ({ secretKey: key, remoteRef: { key: `${chart.system}/${env.name}/${this.secretName}`, property: key } })),
        },
      });
    }
    requirePlatform(this, {
      component: 'external-secrets',
      minVersion: EXTERNAL_SECRETS_MIN_VERSION,
      reason:
        env.secrets.kind === 'generated'
          ? 'external-secrets.io/v1 ExternalSecret with a Password generator per key (dataFrom rewrite)'
          : 'external-secrets.io/v1 ExternalSecret',
    });
    addCheck(this, (report) => {
      // The name lands in the ExternalSecret, the generator, the Secret and a dist file name.
      const nameReason = typeof this.secretName === 'string' ? checkDnsSubdomain(this.secretName) : 'must be a string';
      if (nameReason) report.error(props.secretName === undefined ? 'id' : 'secretName', `'${this.secretName}' ${nameReason} (it names the Secret)`);
      if (this.keys.length === 0) report.error('keys', 'must name at least one key');
      for (const key of this.keys)
        if (!/^[-._a-zA-Z0-9]+$/.test(key)) report.error(`keys.${key}`, `'${key}' is not a valid Secret key (letters, digits, '-', '_', '.')`);
      if (new Set(this.keys).size !== this.keys.length) report.error('keys', 'contains duplicates');
      const length = props.generatedLength ?? 32;
      if (!Number.isInteger(length) || length < 16 || length > 1024)
        report.error('generatedLength', `${length} must be a whole number from 16 to 1024`);
    });
  }
}
