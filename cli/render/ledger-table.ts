/** Ledger records as an operator reads them: time, resource, decision, why. */
import type { LedgerRecord } from '../../domain/dispatch/ledger.ts';

export function renderLedger(records: readonly LedgerRecord[]): string {
  const resourceWidth = Math.max(8, ...records.map((r) => r.resource.length));
  return records
    .map((r) => `  ${r.at}  ${r.resource.padEnd(resourceWidth)}  ${r.decision.padEnd(10)}  ${r.reason}`)
    .join('\n');
}
