import { describe, expect, it } from 'vitest';
import { describeResource } from '../../../domain/runbook-docs/resources.ts';
import { ruleInWords, ruleSymbols } from '../../../domain/runbook-docs/rules.ts';
import type { ChoiceRule } from '../../../domain/runbook-docs/graph.ts';
import type { AslState } from '../../../engine/asl.ts';
import { OPTIONS } from './support.ts';

const task = (
  Resource: string,
  Parameters?: Record<string, string>,
): Extract<AslState, { Type: 'Task' }> => ({
  Type: 'Task',
  Resource,
  ...(Parameters && { Parameters }),
  End: true,
});

describe('describeResource', () => {
  it.each([
    [
      task('arn:aws:states:::lambda:invoke', { FunctionName: '${PlanCapacityFunctionArn}' }),
      'Lambda: plan-capacity',
    ],
    [
      task('arn:aws:states:::lambda:invoke.waitForTaskToken', { 'FunctionName.$': '$.fn' }),
      'Lambda: the function in `$.fn` (waits for a task token)',
    ],
    [task('${PlanCapacityFunctionArn}'), 'Lambda: plan-capacity'],
    [task('arn:aws:lambda:eu-west-1:123456789012:function:selfheal-probe'), 'Lambda: selfheal-probe'],
    [
      task('arn:aws:states:::dynamodb:putItem', { TableName: '${LedgerTableName}' }),
      'DynamoDB PutItem: ledger table',
    ],
    [
      task('arn:aws:states:::sns:publish.waitForTaskToken', { TopicArn: '${OpsAlertsTopicArn}' }),
      'SNS Publish: ops alerts topic (waits for a task token)',
    ],
    [
      task('arn:aws:states:::aws-sdk:dynamodb:describeTable', { 'TableName.$': '$.request.tableName' }),
      'AWS SDK DynamoDB DescribeTable: the table in `$.request.tableName`',
    ],
    [
      task('arn:aws:states:::states:startExecution', { StateMachineArn: '${KeyReshuffleStateMachineArn}' }),
      'Step Functions StartExecution: [key-reshuffle](key-reshuffle.md)',
    ],
    [task('arn:aws:states:::sqs:sendMessage', { QueueUrl: '${Mystery}' }), 'SQS SendMessage: `${Mystery}`'],
    [task('arn:aws:states:::events:putEvents'), 'EventBridge PutEvents'],
    [
      task('arn:aws:states:eu-west-1:123456789012:activity:approve'),
      '`arn:aws:states:eu-west-1:123456789012:activity:approve`',
    ],
  ])('%j reads %j', (state, text) => {
    expect(describeResource(state, OPTIONS.names)).toBe(text);
  });
});

describe('Choice rules', () => {
  it.each([
    [{ Variable: '$.a', StringEquals: 'x' }, '$.a == "x"', '`$.a` equals `"x"`'],
    [{ Variable: '$.n', NumericGreaterThanEquals: 30 }, '$.n >= 30', '`$.n` is at least `30`'],
    [{ Variable: '$.n', NumericLessThanEqualsPath: '$.max' }, '$.n <= $.max', '`$.n` is at most `$.max`'],
    [{ Variable: '$.ok', BooleanEquals: false }, '$.ok == false', '`$.ok` is false'],
    [{ Variable: '$.ok', BooleanEqualsPath: '$.want' }, '$.ok == $.want', '`$.ok` equals `$.want`'],
    [
      { Variable: '$.at', TimestampLessThan: '2026-01-01T00:00:00Z' },
      '$.at < "2026-01-01T00:00:00Z"',
      '`$.at` is before `"2026-01-01T00:00:00Z"`',
    ],
    [{ Variable: '$.name', StringMatches: 'log-*' }, '$.name matches "log-*"', '`$.name` matches `"log-*"`'],
    [{ Variable: '$.x', IsPresent: false }, '$.x is not present', '`$.x` is not present'],
    [{ Variable: '$.x', IsNumeric: true }, '$.x is a number', '`$.x` is a number'],
    [
      {
        Or: [
          { Variable: '$.a', IsNull: true },
          {
            And: [
              { Variable: '$.b', StringEquals: 'y' },
              { Variable: '$.c', IsString: true },
            ],
          },
        ],
      },
      '$.a is null or ($.b == "y" and $.c is a string)',
      '`$.a` is null or (`$.b` equals `"y"` and `$.c` is a string)',
    ],
    [{ Not: { Variable: '$.a', StringEquals: 'x' } }, 'not ($.a == "x")', 'not (`$.a` equals `"x"`)'],
  ])('%j', (rule, symbols, words) => {
    const choice = { ...rule, Next: 'Somewhere' } as ChoiceRule;

    expect(ruleSymbols(choice)).toBe(symbols);
    expect(ruleInWords(choice)).toBe(words);
  });

  it('shows a rule it does not know as written, without its Next', () => {
    const rule = { Condition: '{% $states.input.n > 1 %}', Next: 'Somewhere' } as unknown as ChoiceRule;

    expect(ruleSymbols(rule)).toBe('{"Condition":"{% $states.input.n > 1 %}"}');
  });
});
