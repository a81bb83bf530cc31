import { MOCO } from '../../data/moco-cluster';
import { PSMDB } from '../../data/psmdb-cluster';
import { containersOf, describe, Json, PolicyRule, podOf, Violation } from '../rule';

const MOCO_USER_SECRET_KEYS: readonly string[] = MOCO.userSecretKeys;
const PSMDB_USER_KEYS: readonly string[] = PSMDB.systemUserKeys;

export const noSecretData: PolicyRule = {
  id: 'no-secret-data',
  description: 'No Secret with data in dist: dist is committed to Git. Secrets come from ExternalSecrets or are created outside Git.',
  fix: 'Use ExternalSecretSource (or a generated secret in dev) and reference its keys.',
  check({ objects }) {
    return objects
      .filter((o) => o.object.kind === 'Secret' && (Object.keys(o.object.data ?? {}).length > 0 || Object.keys(o.object.stringData ?? {}).length > 0))
      .map((object) => ({ object, message: `${describe(object.object)} carries data` }));
  },
};

/**
 * Every Secret or ConfigMap a pod reads is produced in the same folder (namespace): a
 * ConfigMap, or a Secret created by an ExternalSecret that declares the key. A reference
 * to something created outside Git needs a waiver saying who creates it.
 */
export const referencesResolve: PolicyRule = {
  id: 'references-resolve',
  description:
    'Every secretKeyRef, configMapKeyRef, envFrom and secret/configMap volume refers to an object produced in the same namespace, with that key.',
  fix: 'Produce the Secret with an ExternalSecretSource (or generated credentials), or fix the name/key.',
  check({ objects }) {
    const configMaps = new Map<string, Set<string>>();
    const secrets = new Map<string, Set<string> | 'any'>();
    for (const { object } of objects) {
      if (object.kind === 'ConfigMap') configMaps.set(object.metadata.name, new Set(Object.keys({ ...object.data, ...object.binaryData })));
      // cert-manager writes the certificate's Secret with these keys.
      if (object.kind === 'Certificate' && object.spec?.secretName) secrets.set(object.spec.secretName, new Set(['tls.crt', 'tls.key', 'ca.crt']));
      // MOCO writes its accounts' passwords to `moco-<cluster>` in the cluster's namespace.
      if (object.kind === 'MySQLCluster') secrets.set(`moco-${object.metadata.name}`, new Set(MOCO_USER_SECRET_KEYS));
      // The Percona operator fills its system users Secret (generating what is missing).
      if (object.kind === 'PerconaServerMongoDB' && object.spec?.secrets?.users) secrets.set(object.spec.secrets.users, new Set(PSMDB_USER_KEYS));
      if (object.kind === 'ExternalSecret') {
        const name = object.spec?.target?.name ?? object.metadata.name;
        const keys = (object.spec?.data ?? []).map((d: Json) => d.secretKey);
        // dataFrom (extract, find, generators) yields keys known only at run time.
        secrets.set(name, (object.spec?.dataFrom ?? []).length > 0 ? 'any' : new Set(keys));
      }
    }
    const out: Violation[] = [];
    for (const object of objects) {
      const pod = podOf(object.object);
      if (!pod) continue;
      const say = (message: string) => out.push({ object, message: `${describe(object.object)}: ${message}` });
      const checkSecret = (name: string, key: string | undefined, where: string) => {
        const keys = secrets.get(name);
        if (!keys) say(`${where} refers to Secret '${name}', which nothing in this namespace produces`);
        else if (key !== undefined && keys !== 'any' && !keys.has(key))
          say(`${where} refers to key '${key}' of Secret '${name}', which its ExternalSecret does not produce`);
      };
      const checkConfigMap = (name: string, key: string | undefined, where: string) => {
        const keys = configMaps.get(name);
        if (!keys) say(`${where} refers to ConfigMap '${name}', which is not in this namespace`);
        else if (key !== undefined && !keys.has(key)) say(`${where} refers to missing key '${key}' of ConfigMap '${name}'`);
      };
      for (const c of containersOf(pod.spec)) {
        for (const e of c.env ?? []) {
          const s = e.valueFrom?.secretKeyRef;
          const m = e.valueFrom?.configMapKeyRef;
          if (s && !s.optional) checkSecret(s.name, s.key, `container '${c.name}' env ${e.name}`);
          if (m && !m.optional) checkConfigMap(m.name, m.key, `container '${c.name}' env ${e.name}`);
        }
        for (const e of c.envFrom ?? []) {
          if (e.secretRef && !e.secretRef.optional) checkSecret(e.secretRef.name, undefined, `container '${c.name}' envFrom`);
          if (e.configMapRef && !e.configMapRef.optional) checkConfigMap(e.configMapRef.name, undefined, `container '${c.name}' envFrom`);
        }
      }
      for (const v of pod.spec.volumes ?? []) {
        if (v.secret && !v.secret.optional) checkSecret(v.secret.secretName, undefined, `volume '${v.name}'`);
        if (v.configMap && !v.configMap.optional) checkConfigMap(v.configMap.name, undefined, `volume '${v.name}'`);
      }
    }
    return out;
  },
};
