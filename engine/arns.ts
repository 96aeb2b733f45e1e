/** ARNs the local engine hands out: real ARN syntax, a reserved local account. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export const stateMachineArn = (name: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

export const executionArn = (machineName: string, executionName: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machineName}:${executionName}`;

export const lambdaArn = (functionName: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;

/** Accepts a function name, a function ARN, or a qualified ARN (`…:function:name:alias`). */
export function functionNameOf(reference: string): string {
  const match = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(reference);
  return match ? (match[1] as string) : reference;
}

/** Accepts a state machine name or ARN. */
export function stateMachineNameOf(reference: string): string {
  const match = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:([^:]+)$/.exec(reference);
  return match ? (match[1] as string) : reference;
}

export function machineNameOfExecution(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:states:[^:]*:[^:]*:execution:([^:]+):[^:]+$/.exec(arn)?.[1];
}
