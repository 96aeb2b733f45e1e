/**
 * What a runbook manifest (`runbooks/<name>.json`) says, as plain data validated at the edge: the
 * runbooks (ASL files in `statemachines/`) it owns, and each Lambda task they invoke — the handler
 * module and export it runs, the ports it reads, its timeout, and what it may do in AWS. The CDK app
 * deploys from it, `packaging/` bundles from it, and the local engine binds from it.
 */
import * as z from 'zod';

/**
 * The ports a task's factory is given, by name. The local deployment builds each set on the
 * simulated world (`local/task-ports.ts`); the CDK app gives a task the configuration its set reads
 * in production (`routing`: the routing file; `cells`: the ARC cluster's endpoints).
 */
export const TASK_PORTS = [
  'none',
  'capacity',
  'routing',
  'dispatch',
  'reshuffle',
  'backpressure',
  'cells',
] as const;
export type TaskPorts = (typeof TASK_PORTS)[number];

/** Where a grant's actions apply; the stack maps each scope to ARNs from the config. */
export const GRANT_SCOPES = [
  'protected-tables',
  'control-table',
  'ledger-table',
  'insight-rules',
  'scalable-targets',
  'mappings',
  'queues',
  'routing-controls',
  'event-bus',
  'unscoped',
] as const;
export type GrantScope = (typeof GRANT_SCOPES)[number];

/** `service:Action`, as IAM writes it. */
const IAM_ACTION = /^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/;

export const taskGrantSchema = z
  .object({
    actions: z.array(z.string().regex(IAM_ACTION, 'an IAM action, service:Action')).min(1).max(20),
    scope: z.enum(GRANT_SCOPES),
    /** Why the grant is as broad as it is: required for `unscoped`, cdk-nag's acknowledgement reads it. */
    why: z.string().min(10).max(300).optional(),
    /** Conditions AWS supports on these actions, to narrow them further. */
    conditions: z.record(z.string(), z.record(z.string(), z.array(z.string().min(1)).min(1))).optional(),
  })
  .strict()
  .refine((grant) => grant.scope !== 'unscoped' || grant.why !== undefined, {
    message: 'an unscoped grant says why no narrower resource exists',
  });
export type TaskGrant = z.infer<typeof taskGrantSchema>;

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const taskEntrySchema = z
  .object({
    /** The function's id: `selfheal-<id>` is its name, `${<Id>FunctionArn}` its ASL substitution. */
    id: z.string().regex(KEBAB, 'a kebab-case id').max(40),
    /** The handler module, from the manifest's root (the repository for selfheal's own). */
    entry: z.string().regex(/^[\w./-]+\.ts$/, 'a .ts module path'),
    /** The module's export Lambda calls; `handler` unless told. */
    handler: z.string().regex(IDENTIFIER).optional(),
    /** The module's export that builds the same handler on given ports; `makeHandler` unless told. */
    factory: z.string().regex(IDENTIFIER).optional(),
    ports: z.enum(TASK_PORTS),
    /** Lambda's timeout, for a task that moves items and may take longer than a check. */
    timeoutSeconds: z.number().int().min(1).max(900).optional(),
    /** What it may do in AWS: every action its domain code calls, each on the narrowest scope. */
    grants: z.array(taskGrantSchema).max(20),
  })
  .strict();

export const runbookManifestSchema = z
  .object({
    /** What the runbooks do, for the reader of the catalogue. */
    description: z.string().min(10).max(500),
    /** The ASL files (`statemachines/<name>.asl.json`) this manifest owns. */
    runbooks: z.array(z.string().regex(KEBAB, 'a kebab-case runbook name')).min(1),
    tasks: z.array(taskEntrySchema),
  })
  .strict();
export type RunbookManifest = z.infer<typeof runbookManifestSchema>;
