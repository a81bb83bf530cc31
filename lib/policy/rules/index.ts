import { PolicyRule } from '../rule';
import { multiReplicaHasPdb } from './availability';
import { pinnedImages, readinessProbes, resourcesRequired } from './containers';
import { monitoringSelected } from './monitoring';
import { podsHaveNetworkPolicy } from './network';
import { noHostAccess, podSecurityRestricted } from './pod-security';
import { noSecretData, referencesResolve } from './secrets';
import { ingressBackendsExist, servicesSelectOneWorkload } from './services';

/** Every rule evaluated on every synth. */
export const DEFAULT_RULES: readonly PolicyRule[] = [
  podSecurityRestricted,
  noHostAccess,
  resourcesRequired,
  readinessProbes,
  pinnedImages,
  noSecretData,
  referencesResolve,
  podsHaveNetworkPolicy,
  servicesSelectOneWorkload,
  ingressBackendsExist,
  multiReplicaHasPdb,
  monitoringSelected,
];

export {
  monitoringSelected,
  multiReplicaHasPdb,
  pinnedImages,
  readinessProbes,
  resourcesRequired,
  podsHaveNetworkPolicy,
  noHostAccess,
  podSecurityRestricted,
  noSecretData,
  referencesResolve,
  ingressBackendsExist,
  servicesSelectOneWorkload,
};
