import { Duration } from '../core/duration';
import { renderScriptFile } from '../core/script-file';
import { Probe } from '../workloads/probe';
import { ContainerModel, SIDECAR_RESOURCES } from '../workloads/container';
import type { EnvValue } from '../workloads/env';
import { SERVER_TLS_DIR } from './store-tls';

/** The key of the reload script in the store's config ConfigMap. */
export const TLS_RELOAD_SCRIPT = 'tls-reload.sh';

/**
 * The reload script: every minute it compares the server's TLS files with those it last
 * loaded and, when cert-manager has renewed them, has the server reload them (`reload`, a
 * shell function `reload_tls` from ./scripts/<engine>-tls-reload.sh).
 */
export function renderTlsReloadScript(engine: 'postgres' | 'mysql', values: Readonly<Record<string, string>>): string {
  const reload = renderScriptFile(__dirname, `scripts/${engine}-tls-reload.sh`, values);
  return renderScriptFile(__dirname, 'scripts/tls-reload.sh', { TLS_DIR: SERVER_TLS_DIR, RELOAD_FUNCTION: reload });
}

export interface TlsReloaderProps {
  /** The engine's image (its client reaches the server on the socket). */
  readonly image: string;
  readonly uid: number;
  /** Where the config ConfigMap (with the script) is mounted. */
  readonly configDir: string;
  /** The socket directory's volume and path. */
  readonly socket: { readonly volume: string; readonly path: string };
  /** The administrator's password, as the script reads it. */
  readonly env: Readonly<Record<string, EnvValue>>;
}

/**
 * The sidecar that runs the reload script beside the server: it sees the same Secret volume
 * and reaches the server on its socket, so a renewed certificate is served within a minute,
 * without a restart.
 */
export function tlsReloaderSidecar(props: TlsReloaderProps): ContainerModel {
  const container = new ContainerModel(
    'tls-reload',
    {
      image: props.image,
      command: ['sh', `${props.configDir}/${TLS_RELOAD_SCRIPT}`],
      env: props.env,
      readiness: Probe.exec(['test', '-r', `${SERVER_TLS_DIR}/tls.crt`]),
      // The loop touches its heartbeat every minute; five minutes without one is a hung loop.
      liveness: Probe.exec(['sh', '-c', 'test -n "$(find /tmp/tls-reload.alive -mmin -5)"'], { period: Duration.seconds(60) }),
      runAs: { user: props.uid, group: props.uid },
    },
    SIDECAR_RESOURCES,
  );
  container.mount(SERVER_TLS_DIR, 'server-tls', { readOnly: true });
  container.mount(props.configDir, 'config', { readOnly: true });
  container.mount(props.socket.path, props.socket.volume);
  return container;
}
