// The budget a SystemChart is given (its props); the NamespaceBudget construct (scaling) sizes and checks it.

/** Quota amounts as Kubernetes quantities, e.g. `{ 'requests.cpu': '4', pods: '20' }`. */
export type QuotaAmounts = Readonly<Record<string, string>>;

export interface NamespaceBudgetProps {
  /** Margin on top of the stack at maximum scale, in percent. @default 20 */
  readonly headroomPercent?: number;
  /** An explicit quota (e.g. one the cluster admins set); it is checked against what the stack needs. @default - sized from the stack */
  readonly quota?: QuotaAmounts;
}
