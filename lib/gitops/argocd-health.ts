/**
 * The health rules the generated dist/ relies on, for Argo CD's `argocd-cm` ConfigMap (the
 * README's "From a blank cluster" and the gitops suite install exactly these):
 * - an Application is as healthy as its resources (Argo CD stopped assessing child
 *   Applications in 1.8), so that the root's and the platform's sync waves wait for the
 *   Applications before them;
 * - a PersistentVolumeClaim the library marks (FIRST_CONSUMER_ANNOTATION) passes while Pending:
 *   on a WaitForFirstConsumer class it binds only when a pod that mounts it is scheduled, which
 *   for a CronJob's or a restore Job's claim is after the sync. Any other claim keeps Argo CD's
 *   built-in rule (Bound healthy, Lost degraded, Pending progressing).
 */
import { FIRST_CONSUMER_ANNOTATION } from './render';

const APPLICATION_HEALTH = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end
end
return hs
`;

const CLAIM_HEALTH = `hs = {}
local phase = nil
if obj.status ~= nil then phase = obj.status.phase end
local annotations = obj.metadata.annotations or {}
if phase == "Bound" then
  hs.status = "Healthy"
  hs.message = "bound"
elseif phase == "Lost" then
  hs.status = "Degraded"
  hs.message = "the claim lost its volume"
elseif annotations["${FIRST_CONSUMER_ANNOTATION}"] == "true" then
  hs.status = "Healthy"
  hs.message = "waits for its first consumer"
else
  hs.status = "Progressing"
  hs.message = "waiting for a volume"
end
return hs
`;

/** `argocd-cm` data keys and their Lua health scripts. */
export const ARGOCD_HEALTH_CUSTOMIZATIONS: Readonly<Record<string, string>> = {
  'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH,
  'resource.customizations.health.PersistentVolumeClaim': CLAIM_HEALTH,
};
