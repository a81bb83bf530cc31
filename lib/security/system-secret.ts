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
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { SystemSecretStore } from './secret-backend';
import { secretKeyPath } from '../core/secret-backend';
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
  /**
   * The values are provided by a person or another system, in every environment, and
   * never generated: for keys that random values cannot stand in for (a VAPID key pair, an
   * OAuth client of a real provider, a licence). In dev the Secret is created by hand
   * (the README gives the command, without values); in staging and prod it comes from the
   * secret store like any other. @default - generated in dev, from the secret store elsewhere
   */
  readonly provided?: ProvidedSecret;
  /**
   * Makes the Secret a `kubernetes.io/basic-auth` Secret: a `username` key with this value is
   * added beside the keys (one of which must be `password`), as CloudNativePG requires of
   * the database owner's credentials. @default - an Opaque Secret with the keys only
   */
  readonly basicAuthUsername?: string;
}

/** Who provides a Secret's values and how (see `SystemSecretProps.provided`). */
export interface ProvidedSecret {
  /** Who provides the values, e.g. `the web-push maintainers (team-notifications)`. */
  readonly by: string;
  /** How the values are made, e.g. `npx web-push generate-vapid-keys: the public and the private key of one pair`. */
  readonly how: string;
}

/**
 * A Secret of a system, produced by the external-secrets operator from the
 * environment's backend: random values generated once in the cluster (dev), or the
 * store's entry named by `platform.secrets.keyPath` (default `<system>/<env>/<secret>`),
 * one property per key (staging, prod).
 * Generated values are letters and digits only, so they are safe inside URLs.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SystemSecret extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly keys: readonly string[];
  public readonly describe: string;
  /** The key of the secret in the environment's store (`platform.secrets.keyPath`), or undefined where values are generated. */
  public readonly remoteKey?: string;
  /** Who provides the values and how, when they are not generated. */
  public readonly provided?: ProvidedSecret;
  /** In dev, a provided Secret is created by hand: why nothing in dist produces it. */
  public readonly createdOutsideGit?: string;
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
    this.provided = objectOrUndefined(props.provided);
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

    const backend = env.platform.secrets;
    if (this.provided && backend.kind === 'generated') {
      // Nothing generates it: the README of the system says who creates it and how.
      this.createdOutsideGit = `Secret '${this.secretName}' is provided by ${this.provided.by} and created by hand (see the README)`;
    } else if (backend.kind === 'generated') {
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
          dataFrom: fetched.map((key) => ({ sourceRef: { generatorRef }, rewrite: [{ regexp: { source: '^password$', target: key } }] })),
        },
      });
    } else {
      const store = SystemSecretStore.of(chart);
      this.remoteKey = secretKeyPath(backend, chart.system, env.name, this.secretName);
      new ExternalSecret(this, 'resource', {
        metadata: { name: this.secretName },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: secretStoreRef(store!),
          target,
          // `username` of a basic-auth Secret comes from the template, not the store.
          data: fetched.map((key) => ({ secretKey: key, remoteRef: { key: this.remoteKey!, property: key } })),
        },
      });
    }
    requirePlatform(this, {
      component: 'external-secrets',
      minVersion: EXTERNAL_SECRETS_MIN_VERSION,
      reason:
        env.platform.secrets.kind === 'generated'
          ? 'external-secrets.io/v1 ExternalSecret with a Password generator per key (dataFrom rewrite)'
          : 'external-secrets.io/v1 ExternalSecret',
    });
    addCheck(this, (report) => {
      // The name lands in the ExternalSecret, the generator, the Secret and a dist file name.
      const nameReason = typeof this.secretName === 'string' ? checkDnsSubdomain(this.secretName) : 'must be a string';
      if (nameReason)
        report.error(
          'system-secret.value',
          props.secretName === undefined ? 'id' : 'secretName',
          `'${this.secretName}' ${nameReason} (it names the Secret)`,
        );
      if (this.keys.length === 0) report.error('system-secret.keys.name-least', 'keys', 'must name at least one key');
      for (const key of this.keys)
        if (!/^[-._a-zA-Z0-9]+$/.test(key))
          report.error('system-secret.keys.valid-secret', `keys.${key}`, `'${key}' is not a valid Secret key (letters, digits, '-', '_', '.')`);
      if (new Set(this.keys).size !== this.keys.length) report.error('system-secret.keys.contains-duplicates', 'keys', 'contains duplicates');
      if (props.provided !== undefined) {
        const given = (objectOrUndefined(props.provided) ?? {}) as Record<string, unknown>;
        for (const key of ['by', 'how'])
          if (typeof given[key] !== 'string' || (given[key] as string).trim() === '')
            report.error(
              'system-secret.provided',
              `provided.${key}`,
              `is required: ${key === 'by' ? 'who provides the values' : 'how they are made'}, for the README`,
            );
        if (props.generatedLength !== undefined)
          report.error(
            'system-secret.generated-length.effect-provided',
            'generatedLength',
            'has no effect on a provided Secret (its values are never generated); remove it',
          );
      }
      if (basicAuth) {
        if (typeof props.basicAuthUsername !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(props.basicAuthUsername)) {
          report.error(
            'system-secret.basic-auth-username',
            'basicAuthUsername',
            `'${String(props.basicAuthUsername)}' must be a plain user name (lower-case letters, digits, '_')`,
          );
        }
        if (fetched.includes('username'))
          report.error('system-secret.keys.username', 'keys.username', 'is added by basicAuthUsername; remove it from keys');
        if (!fetched.includes('password'))
          report.error('system-secret.keys.include-password', 'keys', "must include 'password' for a basic-auth Secret (basicAuthUsername)");
      }
      const length = props.generatedLength ?? 32;
      if (!Number.isInteger(length) || length < 16 || length > 1024)
        report.error('system-secret.generated-length.whole-number', 'generatedLength', `${length} must be a whole number from 16 to 1024`);
    });
  }
}
