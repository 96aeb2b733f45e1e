/** Parsing at the edge: a zod failure becomes a named InvalidRequestError listing every issue. */
import type * as z from 'zod';
import { InvalidRequestError } from './errors.ts';

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(input)';
    return `${path}: ${issue.message}`;
  });
  throw new InvalidRequestError(what, issues);
}
