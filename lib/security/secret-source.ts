/**
 * Secrets by reference. Nothing in this library ever holds a secret value: a pod reads
 * a key of a Secret that exists in the namespace, created by someone else (an existing
 * Secret managed outside Git) or by the external-secrets operator from a real secret
 * store (see ExternalSecretSource).
 */
export interface ISecretSource {
  /** Name of the Kubernetes Secret pods read. */
  readonly secretName: string;
  /**
   * The keys the Secret is known to hold, so a reference to a missing key is caught at
   * synth time. Undefined when the Secret is managed elsewhere and its keys are unknown.
   */
  readonly keys?: readonly string[];
  /** Construct path of the producer, for error messages. */
  readonly describe: string;
  /** Set when nothing in dist produces the Secret (created by hand): why, for the waiver of the reference check. @default - produced in dist */
  readonly createdOutsideGit?: string;
}

/** A Secret created and managed outside this repository (by hand, by another tool).
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ExistingSecret implements ISecretSource {
  /**
   * @param secretName the Secret's name in the system's namespace
   * @param keys the keys it holds, if known; references to other keys are then errors
   */
  public static named(secretName: string, keys?: readonly string[]): ExistingSecret {
    return new ExistingSecret(secretName, keys);
  }

  public readonly describe: string;

  private constructor(
    public readonly secretName: string,
    public readonly keys?: readonly string[],
  ) {
    this.describe = `existing Secret '${secretName}'`;
  }
}

/**
 * The rule for secret values that go into a connection URL (`ConnectionEnv.url`): there they
 * are spliced in as they are, and `@ : / ? # %` would break the URL. Generated values are
 * letters and digits (URL-safe by construction); provided ones (Vault, AWS Secrets Manager)
 * must keep to the RFC 3986 unreserved characters.
 */
export const URL_SAFE_SECRET_RULE = 'letters, digits and - . _ ~ only (e.g. `openssl rand -hex 32`)';

const USED_IN_URLS = new WeakMap<ISecretSource, Set<string>>();

/** Records that `key` of `secret` is spliced into a connection URL, so the READMEs state the rule for it. */
export function markUsedInUrl(secret: ISecretSource, key: string): void {
  const keys = USED_IN_URLS.get(secret) ?? new Set<string>();
  keys.add(key);
  USED_IN_URLS.set(secret, keys);
}

/** The keys of `secret` that connection URLs splice in, sorted. */
export function keysUsedInUrls(secret: ISecretSource): string[] {
  return [...(USED_IN_URLS.get(secret) ?? [])].sort();
}
