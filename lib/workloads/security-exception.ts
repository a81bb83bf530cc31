import type { ValidationReport } from '../core/validation';

/** The Pod Security Standards levels a system namespace can enforce (`privileged` is never rendered). */
export type PodSecurityLevel = 'restricted' | 'baseline';

/**
 * The capabilities Pod Security `baseline` allows a container to add (the Pod Security
 * Standards' list); `restricted` allows adding `NET_BIND_SERVICE` alone. Anything else
 * would need `privileged`, which this library never renders.
 */
export const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const;

/** A capability a container may add: one of the Pod Security `baseline` list. */
export type AddableCapability = (typeof BASELINE_CAPABILITIES)[number];

/** The only capability Pod Security `restricted` allows a container to add. */
export const RESTRICTED_CAPABILITIES: readonly AddableCapability[] = ['NET_BIND_SERVICE'];

/**
 * A deliberate, reasoned departure of one workload's main container from the hardened
 * defaults (all capabilities dropped, read-only root filesystem, never root). It is
 * printed by every synth, listed in the system's generated README, and checked against
 * the namespace's Pod Security level: what `restricted` does not admit (a start as root,
 * a capability other than NET_BIND_SERVICE) is a synth error unless the same exception
 * lowers the namespace (`lowerNamespaceTo: 'baseline'`).
 *
 * @example { addCapabilities: ['NET_BIND_SERVICE'], reason: 'the SSH daemon must listen on 22 for existing clones' }
 */
export interface SecurityException {
  /** Why the workload needs it: printed by synth and in the README. Required, non-empty. */
  readonly reason: string;
  /**
   * Capabilities added back after `drop: [ALL]`. `NET_BIND_SERVICE` (bind ports below
   * 1024 as non-root) is admitted by `restricted`; the others of the baseline list need
   * the namespace at `baseline`. @default - none
   */
  readonly addCapabilities?: readonly AddableCapability[];
  /**
   * The container's root filesystem is writable (`readOnlyRootFilesystem: false`), for an
   * image that writes next to its own files where an emptyDir (`writablePaths`) would hide
   * them. Admitted by `restricted` (Pod Security does not check it). @default false
   */
  readonly writableRootFilesystem?: boolean;
  /**
   * The container starts as root (uid 0) and drops to `runAs.user` itself (e.g. an
   * entrypoint that chowns its volume, then `su-exec`s). Needs `SETUID` and `SETGID` in
   * `addCapabilities`, and the namespace at `baseline`. @default false
   */
  readonly startAsRoot?: boolean;
  /**
   * Lowers the system namespace's Pod Security level (enforce, audit and warn) to
   * `baseline`, for an exception `restricted` does not admit. Refused when `restricted`
   * already admits the exception. @default - the namespace stays `restricted`
   */
  readonly lowerNamespaceTo?: 'baseline';
}

/** The lowest Pod Security level that admits the exception. */
export function requiredPodSecurityLevel(exception: SecurityException | undefined): PodSecurityLevel {
  if (!exception || typeof exception !== 'object') return 'restricted';
  if (exception.startAsRoot === true) return 'baseline';
  const caps = Array.isArray(exception.addCapabilities) ? exception.addCapabilities : [];
  return caps.every((c) => RESTRICTED_CAPABILITIES.includes(c)) ? 'restricted' : 'baseline';
}

/** Why `restricted` does not admit the exception, for messages; empty when it does. */
export function restrictedViolations(exception: SecurityException): string[] {
  const out: string[] = [];
  if (exception.startAsRoot === true) out.push('a start as root (runAsNonRoot: false, runAsUser: 0)');
  const caps = (Array.isArray(exception.addCapabilities) ? exception.addCapabilities : []).filter((c) => !RESTRICTED_CAPABILITIES.includes(c));
  if (caps.length) out.push(`the capabilit${caps.length === 1 ? 'y' : 'ies'} ${caps.join(', ')} (restricted allows adding NET_BIND_SERVICE only)`);
  return out;
}

/** One line describing what the exception grants, e.g. `adds NET_BIND_SERVICE; writable root filesystem`. */
export function describeSecurityException(exception: SecurityException): string {
  const parts: string[] = [];
  if (exception.startAsRoot === true) parts.push('starts as root and drops privileges');
  const caps = Array.isArray(exception.addCapabilities) ? exception.addCapabilities : [];
  if (caps.length) parts.push(`adds ${caps.join(', ')}`);
  if (exception.writableRootFilesystem === true) parts.push('writable root filesystem');
  return parts.join('; ') || 'nothing';
}

/** The exception's own fields (the namespace level is checked by the workload, which knows its namespace). */
export function checkSecurityException(report: ValidationReport, value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report.error(
      'security-exception.value.object-reason',
      field,
      `must be an object { reason, addCapabilities?, writableRootFilesystem?, startAsRoot?, lowerNamespaceTo? }`,
    );
    return;
  }
  const e = value as Record<string, unknown>;
  if (typeof e.reason !== 'string' || e.reason.trim() === '')
    report.error(
      'security-exception.reason.required-say',
      `${field}.reason`,
      'is required: say why the workload needs the exception (it is printed by synth and in the README)',
    );
  else if (e.reason.includes('='))
    report.error(
      'security-exception.reason.contain-becomes',
      `${field}.reason`,
      "must not contain '=': it becomes the linters' waiver reason, which checkov cannot parse with '='",
    );
  if (e.addCapabilities !== undefined) {
    if (!Array.isArray(e.addCapabilities))
      report.error('security-exception.add-capabilities.array-capability', `${field}.addCapabilities`, 'must be an array of capability names');
    else {
      e.addCapabilities.forEach((cap, i) => {
        if (!(BASELINE_CAPABILITIES as readonly unknown[]).includes(cap))
          report.error(
            'security-exception.add-capabilities.cannot-added',
            `${field}.addCapabilities[${i}]`,
            `'${String(cap)}' cannot be added: Pod Security baseline allows only ${BASELINE_CAPABILITIES.join(', ')} ` +
              '(without the CAP_ prefix, upper case), and privileged namespaces are not rendered',
          );
      });
      if (new Set(e.addCapabilities).size !== e.addCapabilities.length)
        report.error('security-exception.add-capabilities.contains-duplicates', `${field}.addCapabilities`, 'contains duplicates');
    }
  }
  for (const flag of ['writableRootFilesystem', 'startAsRoot'])
    if (e[flag] !== undefined && typeof e[flag] !== 'boolean')
      report.error('security-exception.value.true-false', `${field}.${flag}`, `must be true or false (is ${typeof e[flag]})`);
  if (e.lowerNamespaceTo !== undefined && e.lowerNamespaceTo !== 'baseline')
    report.error(
      'security-exception.lower-namespace-to',
      `${field}.lowerNamespaceTo`,
      `'${String(e.lowerNamespaceTo)}' must be 'baseline' (privileged is never rendered)`,
    );
  const caps = Array.isArray(e.addCapabilities) ? e.addCapabilities : [];
  if (e.startAsRoot === true && !(caps.includes('SETUID') && caps.includes('SETGID')))
    report.error(
      'security-exception.add-capabilities.start-root',
      `${field}.addCapabilities`,
      "a start as root that drops privileges needs SETUID and SETGID (all capabilities are dropped otherwise): add 'SETUID', 'SETGID'",
    );
  const granted = e.startAsRoot === true || caps.length > 0 || e.writableRootFilesystem === true;
  if (!granted)
    report.error(
      'security-exception.value.grants-nothing',
      field,
      'grants nothing: set addCapabilities, writableRootFilesystem or startAsRoot, or remove the exception',
    );
}
