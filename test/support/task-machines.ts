/**
 * Machines of one Task that the engine and operator tests run on the local engine: a Lambda task
 * that waits for its task token, and a parent that runs a child execution to its end. Each test
 * adds what it is about (a TimeoutSeconds, a Catch and the states it goes to) on top.
 */
import type { AslDefinition, AslState } from '../../engine/asl.ts';

export type TaskState = Extract<AslState, { Type: 'Task' }>;
/** What a test adds to the Task: its timeout, Retry, Catch, OutputPath. */
export type TaskExtras = Partial<Omit<TaskState, 'Type' | 'Resource' | 'Parameters'>>;
/** A JSON value, as a state's Parameters hold. */
type Json = NonNullable<TaskState['Parameters']>;

function oneTask(
  name: string,
  task: Pick<TaskState, 'Resource' | 'Parameters'>,
  extras: TaskExtras,
  states: AslDefinition['States'],
): AslDefinition {
  return {
    StartAt: name,
    States: { [name]: { Type: 'Task', ...task, End: true, ...extras } as TaskState, ...states },
  };
}

/**
 * `Ask for approval`: invokes Lambda `ask` with `payload`, which carries the task token, and waits
 * until the token is answered.
 */
export const approvalMachine = (
  payload: Json,
  extras: TaskExtras = {},
  states: AslDefinition['States'] = {},
): AslDefinition =>
  oneTask(
    'Ask for approval',
    {
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'ask', Payload: payload },
    },
    extras,
    states,
  );

/** `Run the child`: starts the state machine `parameters` name and waits for its end (.sync:2). */
export const parentMachine = (
  parameters: { StateMachineArn: string; Input: Json },
  extras: TaskExtras = {},
  states: AslDefinition['States'] = {},
): AslDefinition =>
  oneTask(
    'Run the child',
    { Resource: 'arn:aws:states:::states:startExecution.sync:2', Parameters: parameters },
    extras,
    states,
  );
