/** What a capacity request's policy is when the request names only the table: every default. */
export const DEFAULT_POLICY = {
  maxReadCapacityUnits: 20_000,
  maxWriteCapacityUnits: 10_000,
  headroomPercent: 30,
  allowOnDemand: false,
  restoreMinimumAfterMinutes: 60,
  unitsPerThrottledRequest: 1,
  lookbackMinutes: 5,
  verificationWindowSeconds: 180,
  maxRounds: 3,
  reshuffleHotKeys: true,
};

/** The RegisterScalableTarget request that sets the auto scaling range of a table's dimension. */
export const rangeRequest = (tableName: string, dimension: 'read' | 'write', min: number, max: number) => ({
  ServiceNamespace: 'dynamodb',
  ResourceId: `table/${tableName}`,
  ScalableDimension: `dynamodb:table:${dimension === 'read' ? 'Read' : 'Write'}CapacityUnits`,
  MinCapacity: min,
  MaxCapacity: max,
});
