/**
 * A throttling alarm's state-change event as the hot-shard runbook's input: the table from the
 * alarm's metric dimensions, and the alarm as the trigger. (Routing any signal to the right
 * runbook, with guardrails, is the dispatch state machine's job.)
 */
import { InvalidRequestError } from '../../domain/errors.ts';
import { tableNamesOf, type CloudWatchAlarmEvent } from './cloudwatch-alarm-event.ts';

export interface CapacityRequestInput {
  tableName: string;
  trigger: { source: string; alarmName: string; reason: string };
}

export function capacityRequestFromAlarm(event: CloudWatchAlarmEvent): CapacityRequestInput {
  const tables = tableNamesOf(event);
  if (tables.length !== 1) {
    throw new InvalidRequestError(`Alarm ${event.detail.alarmName}`, [
      `expected metrics on exactly one DynamoDB table (TableName dimension), found ${tables.length}`,
    ]);
  }
  return {
    tableName: tables[0] as string,
    trigger: { source: event.source, alarmName: event.detail.alarmName, reason: event.detail.state.reason },
  };
}
