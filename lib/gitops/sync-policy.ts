import type { ApplicationSpecSyncPolicy } from '../../imports/applications-argoproj.io';

/**
 * Retries of a failed sync, for every generated Application. A first sync onto a blank cluster
 * fails until the CRDs another Application installs exist, and Argo CD does not sync the same
 * revision again once the retries are used up: ten attempts, backing off from ten seconds to
 * three minutes, cover about twenty minutes of the platform installing.
 */
export const SYNC_RETRY: ApplicationSpecSyncPolicy['retry'] = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } };
