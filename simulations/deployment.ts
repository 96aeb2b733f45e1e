/**
 * The deployment a game day rehearses: the config the CDK app deploys (the repository's
 * `selfheal.config.json` unless told otherwise), validated as synth validates it, and what the app
 * derives from it without CDK: the alarms of each protected resource, the EventBridge rules that
 * start dispatch, and dispatch's routing. A scenario's resources must be in it, named as the
 * scenario's world names them: rehearsing a resource the deployment does not protect would test
 * nothing, so that is an error that says what to add.
 */
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '../infra/config/load.ts';
import { routingOf } from '../infra/config/derived.ts';
import { signalRulesOf, type SignalRule } from '../infra/config/signal-patterns.ts';
import type { FleetConfig, MappingConfig, SelfhealConfig, TableConfig } from '../infra/config/schema.ts';
import type { Routing } from '../detectors/routing/routes.ts';

/** The example deployment at the repository's root, whatever the working directory. */
export const EXAMPLE_CONFIG_FILE = fileURLToPath(new URL('../selfheal.config.json', import.meta.url));

export interface Deployment {
  config: SelfhealConfig;
  /** What dispatch's routing task reads (`routingOf`, as the app bundles it). */
  routing: Routing;
  /** The rules whose target is dispatch (`signalRulesOf`, as the app creates them). */
  rules: readonly SignalRule[];
}

export function deploymentOf(config: SelfhealConfig): Deployment {
  return { config, routing: routingOf(config), rules: signalRulesOf(config) };
}

/** The example deployment, read afresh (a scenario may run after the file changed). */
export function exampleDeployment(): Deployment {
  return deploymentOf(loadConfig(EXAMPLE_CONFIG_FILE));
}

/** The config does not describe the scenario's world: the game day would rehearse something else. */
export class DeploymentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentMismatchError';
  }
}

export function protectedTable(config: SelfhealConfig, name: string): TableConfig {
  const table = config.tables.find((t) => t.name === name);
  if (!table) {
    throw new DeploymentMismatchError(
      `deployment ${config.deployment} protects no table "${name}": add it to the config's tables`,
    );
  }
  return table;
}

export function protectedMapping(config: SelfhealConfig, uuid: string): MappingConfig {
  const mapping = config.mappings.find((m) => m.uuid === uuid);
  if (!mapping) {
    throw new DeploymentMismatchError(
      `deployment ${config.deployment} protects no event-source mapping "${uuid}": add it to the config's mappings`,
    );
  }
  return mapping;
}

export function protectedFleet(config: SelfhealConfig, name: string): FleetConfig {
  if (!Object.hasOwn(config.fleets, name)) {
    throw new DeploymentMismatchError(
      `deployment ${config.deployment} has no fleet "${name}": add it to the config's fleets`,
    );
  }
  return config.fleets[name] as FleetConfig;
}

/** Fails with what differs when the config names a resource otherwise than the world does. */
export function expectSame(what: string, config: unknown, world: unknown): void {
  if (!isDeepStrictEqual(config, world)) {
    throw new DeploymentMismatchError(
      `${what}: the config has ${JSON.stringify(config)}, the scenario's world ${JSON.stringify(world)}`,
    );
  }
}
