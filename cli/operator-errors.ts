/**
 * An operator command that could not do what it was asked for a reason outside selfheal: one clear
 * line and exit 1. Two kinds: what the deployment says (no such state machine or execution, the run
 * has ended, nothing waits: `OperatorError`), and what AWS says of the caller (no credentials, no
 * region, credentials refused, access denied, a request AWS finds invalid). These are the caller's
 * to fix, not selfheal's bugs, so they are not exit 3. This is the one place that maps them.
 */
import { OperatorError } from '../domain/operator/errors.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** The managed policy an operator needs (infra: the OperatorPolicy construct; a stack output). */
const OPERATOR_POLICY = "the deployment's operator policy, <deployment>-operator (its ARN is a stack output)";
const OR_LOCAL = 'or add --local to use the local deployment';

export const NO_CREDENTIALS = `no AWS credentials found (profile, environment or role): set them, ${OR_LOCAL}`;
export const NO_REGION = `no AWS region found (--region, $AWS_REGION, or the profile's region in ~/.aws/config): set one, ${OR_LOCAL}`;

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnauthorizedException',
]);
const CREDENTIALS_REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
]);

/** "... is not authorized to perform: states:ListStateMachines on resource: ...". */
const ACTION = /perform: ([a-z0-9-]+:[A-Za-z0-9*]+)/;

/**
 * The one line an operator reads for `error`, when it is the caller's to fix; undefined for
 * anything else (a bug: exit 3). Looks through `cause`, where selfheal's own errors keep the SDK's.
 */
export function callerProblem(error: unknown): string | undefined {
  if (error instanceof OperatorError) return error.message;
  for (const e of causes(error)) {
    const problem = awsProblem(e);
    if (problem) return problem;
  }
  return undefined;
}

function awsProblem(error: Error): string | undefined {
  const { name, message } = error;
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message))
    return NO_CREDENTIALS;
  if (message === 'Region is missing') return NO_REGION;
  if (ACCESS_DENIED.has(name)) {
    const action = ACTION.exec(message)?.[1];
    return `access denied${action ? ` to ${action}` : ''}: the caller needs ${OPERATOR_POLICY} (${name}: ${oneLine(message)})`;
  }
  if (CREDENTIALS_REFUSED.has(name)) {
    return `AWS refused the credentials (${name}: ${oneLine(message)}): renew them (e.g. aws sso login), ${OR_LOCAL}`;
  }
  if (name === 'ValidationException') return `AWS refused the request as invalid: ${oneLine(message)}`;
  return undefined;
}

/** The error and the errors it was caused by, outermost first (a few at most; no cycles). */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5 && !chain.includes(e); e = e.cause)
    chain.push(e);
  return chain;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Runs a command, reporting the caller's problems as one line, exit 1; other errors go on up. */
export async function reportingOperatorErrors(run: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await run();
  } catch (error) {
    const problem = callerProblem(error);
    if (problem === undefined) throw error;
    console.error(`selfheal: ${problem}`);
    return EXIT.failed;
  }
}
