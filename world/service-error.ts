/**
 * Errors shaped like the AWS SDK's service exceptions: callers tell them apart by `name`
 * (`ValidationException`, `ResourceNotFoundException`, ...), exactly as they do with the real SDK,
 * so handler code paths are the same against the simulated world and against AWS.
 */
export class SimulatedServiceError extends Error {
  readonly $fault: 'client' | 'server';

  constructor(name: string, message: string, fault: 'client' | 'server' = 'client') {
    super(message);
    this.name = name;
    this.$fault = fault;
  }
}

export function validationException(message: string): SimulatedServiceError {
  return new SimulatedServiceError('ValidationException', message);
}

export function resourceNotFound(message: string): SimulatedServiceError {
  return new SimulatedServiceError('ResourceNotFoundException', message);
}

/** CloudWatch's own spelling for a bad parameter. */
export function invalidParameterValue(message: string): SimulatedServiceError {
  return new SimulatedServiceError('InvalidParameterValueException', message);
}
