/** Small hand-written runbooks for the rendering tests, and the options a page needs. */
import type { AslDefinition } from '../../../engine/asl.ts';
import type { PageOptions, RunbookSource } from '../../../domain/runbook-docs/markdown.ts';
import { resourceNames } from '../../../domain/runbook-docs/resources.ts';

export const OPTIONS: PageOptions = {
  names: resourceNames({
    functions: [{ id: 'plan-capacity', substitution: 'PlanCapacityFunctionArn' }],
    stateMachines: [{ name: 'key-reshuffle', substitution: 'KeyReshuffleStateMachineArn' }],
  }),
  sourceHref: '../../statemachines/example.asl.json',
  regenerate: 'npm run docs:runbooks',
};

export const source = (definition: AslDefinition, name = 'example'): RunbookSource => ({
  name,
  file: `statemachines/${name}.asl.json`,
  definition,
});

const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'];

/** A Task with a Retry and two Catches, into a Choice with a compound rule and a Default. */
export const CHOICE_AND_CATCH: AslDefinition = {
  Comment: 'Raise capacity when the plan says so. Otherwise report.',
  StartAt: 'Plan',
  States: {
    Plan: {
      Type: 'Task',
      Comment: 'Plan the change.',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${PlanCapacityFunctionArn}', 'Payload.$': '$' },
      TimeoutSeconds: 120,
      Retry: [
        {
          ErrorEquals: LAMBDA_ERRORS,
          IntervalSeconds: 2,
          MaxAttempts: 4,
          BackoffRate: 1.5,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [
        { ErrorEquals: ['InvalidRequestError'], ResultPath: '$.failure', Next: 'Rejected' },
        { ErrorEquals: ['States.ALL'], Next: 'Failed' },
      ],
      Next: 'Decide',
    },
    Decide: {
      Type: 'Choice',
      Comment: 'Route on the decision.',
      Choices: [
        { Variable: '$.decision.action', StringEquals: 'raise', Next: 'Wait a little' },
        {
          And: [
            { Variable: '$.round', NumericLessThanPath: '$.maxRounds' },
            {
              Or: [
                { Variable: '$.retry', IsPresent: true },
                { Not: { Variable: '$.dryRun', BooleanEquals: true } },
              ],
            },
          ],
          Next: 'Plan',
        },
      ],
      Default: 'Done',
    },
    'Wait a little': {
      Type: 'Wait',
      Comment: 'Let the change settle.',
      SecondsPath: '$.settleSeconds',
      Next: 'Done',
    },
    Done: { Type: 'Succeed', Comment: 'Nothing more to do.' },
    Rejected: {
      Type: 'Fail',
      Comment: 'Bad input.',
      Error: 'InvalidRequestError',
      CausePath: '$.failure.Cause',
    },
    Failed: { Type: 'Fail', Comment: 'Something broke.', ErrorPath: '$.Error' },
  },
};

/** A Parallel of two branches, then a Map, then a state nothing leads to. */
export const PARALLEL_AND_MAP: AslDefinition = {
  Comment: 'Fan out.',
  StartAt: 'Both',
  TimeoutSeconds: 3600,
  States: {
    Both: {
      Type: 'Parallel',
      Comment: 'Two things at once.',
      Branches: [
        {
          StartAt: 'Left',
          States: { Left: { Type: 'Pass', Comment: 'The left branch.', End: true } },
        },
        {
          StartAt: 'Right',
          States: {
            Right: { Type: 'Wait', Comment: 'The right branch waits.', Seconds: 90, Next: 'Right again' },
            'Right again': { Type: 'Fail', Comment: 'And fails.', Error: 'RightFailed' },
          },
        },
      ],
      // ASL's null ResultPath drops the error; the engine's Catcher type leaves null out.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null as unknown as string, Next: 'Each' }],
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      Comment: 'Every item.',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemProcessor: {
        StartAt: 'Start a shard',
        States: {
          'Start a shard': {
            Type: 'Task',
            Comment: 'Start the child runbook and wait.',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: { StateMachineArn: '${KeyReshuffleStateMachineArn}', 'Input.$': '$' },
            End: true,
          },
        },
      },
      End: true,
    },
    Orphan: { Type: 'Pass', Comment: 'Nothing leads here.', End: true },
  },
};
