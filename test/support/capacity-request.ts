/** What a capacity request's policy is when the request names only the table: every default. */
export const DEFAULT_POLICY = {
  maxReadCapacityUnits: 20_000,
  maxWriteCapacityUnits: 10_000,
  headroomPercent: 30,
  allowOnDemand: false,
  unitsPerThrottledRequest: 1,
  lookbackMinutes: 5,
  verificationWindowSeconds: 180,
  maxRounds: 3,
  reshuffleHotKeys: true,
};
