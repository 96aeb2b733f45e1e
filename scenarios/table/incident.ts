/**
 * A simulated incident on one DynamoDB table: the table as provisioned, the workload that hits it,
 * auto scaling as configured, and what counts as healed.
 */
import type { WorkloadSpec } from '../../world/dynamodb/workload.ts';

export interface TableIncident {
  tableName: string;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  workload: WorkloadSpec;
  /** The phase whose end closes the incident: healing must happen while it still lasts. */
  incidentPhase: string;
  simulatedSeconds: number;
  autoScalingTargetPercent: number;
  autoScalingMaxCapacity: number;
  /** Throttle-free minutes that prove a table healed (the runbook's verification window). */
  verificationMinutes: number;
}

/** Seconds from the start at which the incident phase ends. */
export function incidentEndSeconds(incident: TableIncident): number {
  let elapsed = 0;
  let end = 0;
  for (const phase of incident.workload.phases) {
    elapsed += phase.durationSeconds;
    if (phase.name === incident.incidentPhase) end = elapsed;
  }
  return end;
}
