import { SelfHealError } from '../errors.ts';

/** The mapping did not settle (Enabled / Disabled) within the polls the policy allows. */
export class MappingNotSettledError extends SelfHealError {
  readonly retryable = false;
}
