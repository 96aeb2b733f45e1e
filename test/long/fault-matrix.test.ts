import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { FAULT_SCENARIOS, describeFaultMatrix } from '../support/fault-scenarios.ts';
import { FINDINGS } from '../support/fault-findings.ts';

/**
 * Faults at every step (issue 17), the whole matrix: every Lambda Task state of the runbooks each
 * scenario runs, read from their ASL, meets every fault its task can meet (test/support/
 * fault-injection.ts, fault-scenarios.ts). test/runbooks/fault-matrix.test.ts runs a fast subset.
 */
const dynamodb = useLocalDynamoDb();

for (const scenario of FAULT_SCENARIOS) describeFaultMatrix(scenario, dynamodb, { findings: FINDINGS });
