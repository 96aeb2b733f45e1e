/**
 * The grey-failure outlier policy's defaults, written out once: the detector's fleet schema and
 * the runbook's request both fill them in, and their tests pin every value against this.
 */
export const DEFAULT_OUTLIER_POLICY = {
  minRequests: 500,
  outlierScore: 3.5,
  minFaultRateIncrease: 0.02,
  minP99IncreaseMs: 100,
  minP99Ratio: 1.5,
};
