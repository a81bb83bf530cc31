import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { sortedByKey } from '../core/json';
import { checkDnsLabel } from '../core/naming';
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { ENV_NAME } from './env';
import { contentHash, Workload } from './workload';

export interface AppConfigProps {
  /** Environment variables every workload using the config reads (`envFrom`): name to value. @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Files mounted read-only into the main container of every workload using the config,
   * by absolute path, e.g. `{ '/etc/app/config.yaml': 'log_level: info\n' }`. @default - none
   */
  readonly files?: Readonly<Record<string, string>>;
  /** Name of the ConfigMap. @default - the construct id */
  readonly configMapName?: string;
}

/** A ConfigMap holds at most 1 MiB (the API server's limit on an object in etcd). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Non-secret configuration of a system, as ONE ConfigMap shared by every workload that
 * uses it (`useIn`): its `env` entries as environment variables (`envFrom`) and its
 * `files` mounted read-only at their paths in the main container. A change of any value
 * rolls every pod using it (a checksum annotation on the pod template), since env and
 * `subPath` mounts are read once, at start.
 *
 * A variable set both here and by the workload (`env`, `config`, a connection, another
 * config) is a synth error: env wins over envFrom, so one of the two values would be dead.
 *
 * @example
 * const common = new AppConfig(this, 'common', { env: { LOG_LEVEL: 'info' }, files: { '/etc/app/app.yaml': yaml } });
 * common.useIn(api); common.useIn(worker);
 * @sealed subclassing is not supported; its protected members are not API
 */
export class AppConfig extends Construct {
  public readonly configMapName: string;
  /** The variables it sets (sorted). */
  public readonly envKeys: readonly string[];
  /** Workloads using it, in call order. */
  public readonly users: Workload[] = [];
  private readonly files: ReadonlyArray<{ readonly path: string; readonly key: string; readonly content: string }>;
  private readonly checksum: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AppConfigProps,
  ) {
    super(scope, id);
    checkProps(this, 'AppConfigProps', props);
    SystemChart.of(this);
    this.configMapName = props?.configMapName ?? id;
    const env = objectOrUndefined(props?.env) ?? {};
    this.envKeys = Object.keys(env).sort();
    this.files = Object.entries(objectOrUndefined(props?.files) ?? {})
      .map(([path, content]) => ({ path, key: fileKey(path), content }))
      .sort((a, b) => a.key.localeCompare(b.key));
    const data: Record<string, string> = { ...sortedByKey(env) };
    for (const f of this.files) data[f.key] = f.content;
    this.checksum = contentHash(data);
    new k8s.KubeConfigMap(this, 'resource', { metadata: { name: this.configMapName }, data });
    addCheck(this, (report) => this.validate(report, data));
  }

  /** The workload reads the variables (`envFrom`) and gets the files mounted read-only in its main container. */
  public useIn(workload: Workload): void {
    if (this.users.includes(workload)) return;
    this.users.push(workload);
    workload.addConfigSource({
      configMapName: this.configMapName,
      envKeys: this.envKeys,
      describe: `AppConfig ${this.node.path}`,
      checksum: this.checksum,
    });
    if (this.files.length === 0) return;
    const volume = `cfg-${this.configMapName}`.slice(0, 63).replace(/-+$/, '');
    workload.addVolume({ name: volume, configMap: { name: this.configMapName, items: this.files.map((f) => ({ key: f.key, path: f.key })) } });
    for (const f of this.files) workload.container.mount(f.path, volume, { subPath: f.key, readOnly: true });
  }

  private validate(report: ValidationReport, data: Record<string, string>): void {
    const p = this.props ?? {};
    const nameReason = typeof this.configMapName === 'string' ? checkDnsLabel(this.configMapName) : 'must be a string';
    if (nameReason)
      report.error(
        'app-config.value',
        p.configMapName === undefined ? 'id' : 'configMapName',
        `'${this.configMapName}' ${nameReason} (it names the ConfigMap)`,
      );
    for (const [key, value] of Object.entries(objectOrUndefined(p.env) ?? {})) {
      if (!ENV_NAME.test(key))
        report.error(
          'app-config.env.valid-environment',
          `env.${key}`,
          `'${key}' is not a valid environment variable name (letters, digits and '_', not starting with a digit)`,
        );
      if (typeof value !== 'string')
        report.error(
          'app-config.env.string-configmap',
          `env.${key}`,
          `must be a string (is ${value === null ? 'null' : typeof value}); ConfigMap data holds strings only`,
        );
    }
    const keys = new Map<string, string>();
    for (const f of this.files) {
      if (!f.path.startsWith('/') || f.path.endsWith('/') || f.path.split('/').some((s) => s === '..' || s === '.'))
        report.error(
          'app-config.files.absolute-file',
          `files.${f.path}`,
          `'${f.path}' must be an absolute file path without '.' or '..' segments, e.g. /etc/app/config.yaml`,
        );
      if (typeof f.content !== 'string')
        report.error(
          'app-config.files.file-s',
          `files.${f.path}`,
          `must be the file's content as a string (is ${f.content === null ? 'null' : typeof f.content})`,
        );
      const other = keys.get(f.key);
      if (other !== undefined)
        report.error(
          'app-config.files.maps-same',
          `files.${f.path}`,
          `maps to the same ConfigMap key '${f.key}' as '${other}'; rename one of the files`,
        );
      if (this.envKeys.includes(f.key))
        report.error(
          'app-config.files.maps-configmap',
          `files.${f.path}`,
          `maps to ConfigMap key '${f.key}', which is also a variable of env; rename one`,
        );
      keys.set(f.key, f.path);
    }
    if (this.envKeys.length === 0 && this.files.length === 0)
      report.error('app-config.props', 'props', 'set env or files: an empty config configures nothing');
    const size = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
    if (size > MAX_CONFIG_BYTES)
      report.error(
        'app-config.files.hold-bytes',
        'files',
        `hold ${size} bytes; a ConfigMap holds at most 1 MiB: ship large files in the image or on a PersistentVolume`,
      );
    for (const w of this.users) {
      for (const f of this.files) {
        const clash = w.container.mounts.filter((m) => m.mountPath === f.path);
        if (clash.length > 1)
          report.error(
            'app-config.files.mounted-more',
            `files.${f.path}`,
            `is mounted more than once in ${w.node.path} (another volume or config uses the same path)`,
          );
      }
    }
    if (this.users.length === 0) report.warn('app-config.use-in', 'useIn', 'no workload uses this config; call useIn(workload) or remove it');
  }
}

/** The ConfigMap key of a file path: the path without its leading '/', other '/' as '_' (keys allow letters, digits, '-', '_', '.'). */
function fileKey(path: string): string {
  return String(path)
    .replace(/^\/+/, '')
    .replace(/\//g, '_')
    .replace(/[^-._a-zA-Z0-9]/g, '-');
}
