import { AVAILABILITY_CHANGES, SECURITY_CHANGES } from './availability-security';
import { PlanChange } from './change';
import { DATA_LOSS_CHANGES } from './data-loss';
import { REFUSED_CHANGES } from './refused';

/** Every change of the plan corpus, by risk class. */
export const PLAN_CORPUS: Readonly<Record<string, readonly PlanChange[]>> = {
  refused: REFUSED_CHANGES,
  'data-loss': DATA_LOSS_CHANGES,
  availability: AVAILABILITY_CHANGES,
  security: SECURITY_CHANGES,
};
