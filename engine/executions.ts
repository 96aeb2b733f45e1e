/**
 * What the engine tells of an execution, and how one is started: the types its task bindings
 * share with it (kept apart so that the bindings need not import the engine that imports them).
 */
import type { JsonValue } from '../core/json.ts';
import type { HistoryEvent } from './history.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: JsonValue;
  output?: JsonValue;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  history: HistoryEvent[];
  /** Set by the runbook that started it (`states:startExecution`), for the CLI and audits. */
  parentExecutionArn?: string;
}

export interface StartOptions {
  name?: string;
  parentExecutionArn?: string;
}
