/**
 * Provisioned-capacity list prices (us-east-1, per capacity unit-hour), used to bound what a plan
 * may add to the bill. Other regions cost more or less; the bound is a guard, not an invoice.
 */
export const USD_PER_WCU_HOUR = 0.00065;
export const USD_PER_RCU_HOUR = 0.00013;

export function hourlyCostUsd(readCapacityUnits: number, writeCapacityUnits: number): number {
  return readCapacityUnits * USD_PER_RCU_HOUR + writeCapacityUnits * USD_PER_WCU_HOUR;
}
