/**
 * Task tokens for `.waitForTaskToken` tasks. aws-local-stepfunctions reads `$$.Task.Token` from the
 * context object we give it, so the context's `Task.Token` is a getter that issues a fresh token
 * each time a state's Parameters read it; the task binding then claims the token it finds in its
 * own parameters and waits until an operator (or a test) answers it.
 */
import { randomUUID } from 'node:crypto';
import { InvalidTaskTokenError } from './errors.ts';
import type { JsonValue } from '../core/json.ts';
import { TaskError } from './bindings/task-error.ts';

interface Waiter {
  executionArn: string;
  stateName: string;
  resolve(output: JsonValue): void;
  reject(error: TaskError): void;
}

export interface PendingTask {
  token: string;
  executionArn: string;
  stateName: string;
}

export class TaskTokens {
  #issued = new Set<string>();
  #waiting = new Map<string, Waiter>();

  issue(): string {
    const token = `local-token-${randomUUID()}`;
    this.#issued.add(token);
    return token;
  }

  /** The context object fragment that makes `$$.Task.Token` work. */
  contextTask(): { readonly Token: string } {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter must reach this registry
    const tokens = this;
    return {
      get Token() {
        return tokens.issue();
      },
    };
  }

  /** Finds an issued, unclaimed token among a task's parameters. */
  claimFrom(parameters: JsonValue): string | undefined {
    const found = findString(parameters, (value) => this.#issued.has(value));
    if (found) this.#issued.delete(found);
    return found;
  }

  wait(token: string, executionArn: string, stateName: string): Promise<JsonValue> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(token, { executionArn, stateName, resolve, reject });
    });
  }

  pending(): PendingTask[] {
    return [...this.#waiting].map(([token, w]) => ({
      token,
      executionArn: w.executionArn,
      stateName: w.stateName,
    }));
  }

  succeed(token: string, output: JsonValue): void {
    this.#take(token).resolve(output);
  }

  fail(token: string, error: string, cause: string): void {
    this.#take(token).reject(new TaskError(error, cause));
  }

  /** Ends a token's wait, if it is still waiting (its Task timed out): the token is no longer valid. */
  end(token: string, error: TaskError): void {
    const waiter = this.#waiting.get(token);
    if (!waiter) return;
    this.#waiting.delete(token);
    waiter.reject(error);
  }

  /** Ends every wait of an execution (it was stopped or timed out). */
  abandon(executionArn: string, error: TaskError): void {
    for (const [token, waiter] of this.#waiting) {
      if (waiter.executionArn === executionArn) {
        this.#waiting.delete(token);
        waiter.reject(error);
      }
    }
  }

  #take(token: string): Waiter {
    const waiter = this.#waiting.get(token);
    if (!waiter) throw new InvalidTaskTokenError(token);
    this.#waiting.delete(token);
    return waiter;
  }
}

function findString(value: JsonValue, match: (s: string) => boolean): string | undefined {
  if (typeof value === 'string') return match(value) ? value : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findString(item, match);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const found = findString(item, match);
      if (found) return found;
    }
  }
  return undefined;
}
