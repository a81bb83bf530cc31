import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecTarget,
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

export interface SystemSecretProps {
  /** Keys of the Secret, e.g. `['postgres-password', 'password']`. */
  readonly keys: readonly string[];
  /** Name of the Secret. @default - the construct id */
  readonly secretName?: string;
  /** Length of generated values (dev). @default 32 */
  readonly generatedLength?: number;
  /**
   * Makes the Secret a `kubernetes.io/basic-auth` Secret: a `username` key with this value is
   * added beside the keys (one of which must be `password`), as CloudNativePG requires of
   * the database owner's credentials. @default - an Opaque Secret with the keys only
   */
  readonly basicAuthUsername?: string;
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
  /** The `username` of a kubernetes.io/basic-auth Secret; undefined for an Opaque one. */
  public readonly basicAuthUsername?: string;

  constructor(scope: Construct, id: string, props: SystemSecretProps) {
    super(scope, id);
    checkProps(this, 'SystemSecretProps', props);
    const chart = SystemChart.of(this);
    const env = chart.environment;
    this.secretName = props.secretName ?? id;
    // Props arrive unchecked from JavaScript; a non-array is reported by the check below.
    const fetched = Array.isArray(props.keys) ? [...props.keys].sort() : [];
    this.basicAuthUsername = props.basicAuthUsername;
    const basicAuth = props.basicAuthUsername !== undefined;
    this.keys = basicAuth ? [...fetched, 'username'].sort() : fetched;
    this.describe = `SystemSecret ${this.node.path}`;
    const target = {
      ...ownedSecretTarget(this.secretName),
      // The fetched keys stay (Merge); `username` is added and the type set for the consumers that require basic-auth.
      ...(basicAuth
        ? {
            template: {
              type: 'kubernetes.io/basic-auth',
              engineVersion: 'v2',
              mergePolicy: 'Merge',
              data: { username: String(props.basicAuthUsername) },
            },
          }
        : {}),
    } as ExternalSecretSpecTarget;

    if (env.secrets.kind === 'generated') {
      new Password(this, 'generator', {
        metadata: { name: this.secretName },
        spec: { length: props.generatedLength ?? 32, digits: 8, symbols: 0, noUpper: false, allowRepeat: true, secretKeys: [...fetched] },
      });
      const kind = ExternalSecretSpecDataFromSourceRefGeneratorRefKind.PASSWORD;
      const generatorRef = { apiVersion: Password.GVK.apiVersion, kind, name: this.secretName };
      new ExternalSecret(this, 'resource', {
        metadata: { name: this.secretName },
        spec: {
          // Generated once: regenerating would lock the applications out of their own data stores.
          refreshPolicy: ExternalSecretSpecRefreshPolicy.CREATED_ONCE,
          target,
          dataFrom: [{ sourceRef: { generatorRef } }],
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
          data: fetched.map((key) => ({ secretKey: key, remoteRef: { key: `${chart.system}/${env.name}/${this.secretName}`, property: key } })),
        },
      });
    }
    addCheck(this, (report) => {
      // The name lands in the ExternalSecret, the generator, the Secret and a dist file name.
      const nameReason = typeof this.secretName === 'string' ? checkDnsSubdomain(this.secretName) : 'must be a string';
      if (nameReason) report.error(props.secretName === undefined ? 'id' : 'secretName', `'${this.secretName}' ${nameReason} (it names the Secret)`);
      if (this.keys.length === 0) report.error('keys', 'must name at least one key');
      for (const key of this.keys)
        if (!/^[-._a-zA-Z0-9]+$/.test(key)) report.error(`keys.${key}`, `'${key}' is not a valid Secret key (letters, digits, '-', '_', '.')`);
      if (new Set(this.keys).size !== this.keys.length) report.error('keys', 'contains duplicates');
      if (basicAuth) {
        if (typeof props.basicAuthUsername !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(props.basicAuthUsername)) {
          report.error('basicAuthUsername', `'${String(props.basicAuthUsername)}' must be a plain user name (lower-case letters, digits, '_')`);
        }
        if (fetched.includes('username')) report.error('keys.username', 'is added by basicAuthUsername; remove it from keys');
        if (!fetched.includes('password')) report.error('keys', "must include 'password' for a basic-auth Secret (basicAuthUsername)");
      }
      const length = props.generatedLength ?? 32;
      if (!Number.isInteger(length) || length < 16 || length > 1024)
        report.error('generatedLength', `${length} must be a whole number from 16 to 1024`);
    });
  }
}
