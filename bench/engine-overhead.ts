/**
 * Engine overhead: executions per second of each runbook on the local engine — its real ASL, its
 * tasks answered at once from a recording of its happy path in the tests' world (`replay.ts`), so
 * the figure is the engine's, not the world's — against two yardsticks, one run of each in turn in
 * the same process:
 *
 * - the same definitions on bare aws-local-stepfunctions, every Task answered as the recorded run
 *   answered it (`bare-runbooks.ts`): what the engine adds on top of the library for these runs;
 * - a bare straight line of the same size (as many states entered, as many Tasks, no-op handlers:
 *   `bare-machine.ts`): the library's floor for a run that long.
 */
import { performance } from 'node:perf_hooks';
import { LocalEngine, type ExecutionRecord } from '../engine/local-engine.ts';
import { loadRunbooks } from '../local/runbooks.ts';
import { VirtualClock } from '../core/virtual-clock.ts';
import { bareMachine, enteredKinds } from './bare-machine.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { actionOf, answer, keyOf, maskSequenceNames, ReplayTable } from './replay.ts';
import type { RecordedRun } from './runbook-worlds.ts';
import { statesEntered } from '../engine/history.ts';
import { median } from './stats.ts';
import { BareRunbooks, maskedOutput, pathOfCounts } from './bare-runbooks.ts';

export interface EngineOptions {
  /** At least this many timed runs of each side (default 10). */
  minRuns: number;
  /** Then runs on until the local engine's runs took this long in all (default 3 s). */
  seconds: number;
  /** At most this many timed runs (default 2,000). */
  maxRuns: number;
}

export interface Throughput {
  executionsPerSecond: number;
  /** Median milliseconds of one execution. */
  medianMs: number;
}

export interface EngineRow {
  runbook: string;
  path: string;
  /** Executions in one run: the runbook's, and the ones it started (dispatch runs a runbook). */
  executions: number;
  statesEntered: number;
  taskStates: number;
  runs: number;
  localEngine: Throughput;
  /** The same definitions on bare aws-local-stepfunctions, the same answers (`bare-runbooks.ts`). */
  sameDefinitions: Throughput;
  /** Local engine executions/s per same-definitions executions/s (1 = no overhead). */
  sameDefinitionsRatio: number;
  /** Whether the bare runs of the definitions took the recorded path and ended the same. */
  sameDefinitionsFaithful: boolean;
  /** The straight line of the same size (`bare-machine.ts`). */
  bare: Throughput;
  /** Local engine executions/s per straight-line executions/s. */
  ratio: number;
  /** Whether every replayed run took the recorded path and ended the same, every answer found by what was asked. */
  faithful: boolean;
}

/**
 * Virtual time that can be put back: every replayed run starts at the moment the recorded one did.
 * (The engine reads the time through `now()` and names moments, its timeouts' deadlines, through
 * `at()` and `reach()`: all three are in rewound time; advances go on from where `now()` says.)
 */
class RewindableClock extends VirtualClock {
  #offsetMs = 0;

  override now(): number {
    return super.now() - this.#offsetMs;
  }

  rewind(toMs: number): void {
    this.#offsetMs = super.now() - toMs;
  }

  // Moments the engine names (its timeouts' deadlines) are in rewound time, like now().
  override at(atMs: number, callback: () => void): () => void {
    return super.at(atMs + this.#offsetMs, callback);
  }

  override reach(ms: number): void {
    super.reach(ms + this.#offsetMs);
  }
}

/**
 * One local engine with every runbook registered (registration validates each definition, which
 * takes far longer than a run, and is not what is timed), answering from the current run's recording.
 */
async function replayEngine() {
  let table = new ReplayTable([]);
  const clock = new RewindableClock();
  const engine = new LocalEngine({
    clock,
    functions: {
      names: () => [],
      get: (name) => async (event) => answer(table.take(`lambda:${name}`, keyOf(event))),
    },
    dynamodb: {
      send: async (command: { input: unknown }) =>
        answer(table.take(`dynamodb:${actionOf(command)}`, keyOf(command.input))),
    } as unknown as DynamoDBClient,
    // The worlds' engines use seed 1 too: retries (none on these paths) would wait alike.
    seed: 1,
  });
  await loadRunbooks(engine);
  engine.onTaskToken(({ token }) => {
    const outcome = table.take('token', '');
    if (outcome.ok) engine.tokens.succeed(token, outcome.output);
    else engine.tokens.fail(token, outcome.error, outcome.message);
  });
  return {
    engine,
    /** Starts a replay of the run: its answers, its start time. */
    reset(run: RecordedRun): ReplayTable {
      table = new ReplayTable(run.calls);
      clock.rewind(run.execution.startDate.getTime());
      return table;
    },
  };
}

/** How often each state was entered, over a run's executions: the same run, whatever the interleaving. */
function pathOf(executions: readonly ExecutionRecord[]): string {
  const counts = new Map<string, number>();
  for (const execution of executions) {
    for (const name of statesEntered(execution.history)) {
      const key = `${execution.stateMachineArn.split(':').pop()}/${name}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return JSON.stringify([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function sameRun(recorded: RecordedRun, replayed: ExecutionRecord, children: ExecutionRecord[]): boolean {
  const output = (record: ExecutionRecord) => maskSequenceNames(JSON.stringify(record.output ?? null));
  return (
    replayed.status === recorded.execution.status &&
    output(replayed) === output(recorded.execution) &&
    pathOf([replayed, ...children]) === pathOf([recorded.execution, ...recorded.children])
  );
}

const throughput = (ms: readonly number[]): Throughput => ({
  executionsPerSecond: Math.round((ms.length / ms.reduce((a, b) => a + b, 0)) * 1000 * 10) / 10,
  medianMs: Math.round(median(ms) * 1000) / 1000,
});

const WARM_UP_RUNS = 3;

export async function measureEngineOverhead(
  recorded: readonly RecordedRun[],
  options: EngineOptions,
  progress: (line: string) => void = () => undefined,
): Promise<EngineRow[]> {
  const replay = await replayEngine();
  const definitions = new BareRunbooks(replay.engine.stateMachines());
  const rows: EngineRow[] = [];
  for (const run of recorded) {
    const executions = [run.execution, ...run.children];
    const kinds = executions.flatMap((e) => enteredKinds(e.history));
    const bare = bareMachine(kinds);
    const localMs: number[] = [];
    const bareMs: number[] = [];
    const definitionsMs: number[] = [];
    let faithful = true;
    // Once, untimed, following the library's events: the bare run takes the recorded path. (Its
    // answers may be found by order rather than by what was asked: without the engine's virtual
    // time, `$$.State.EnteredTime` in a task's input is the real time, not the recorded one.)
    const check = await definitions.run(run, true);
    let definitionsFaithful =
      check.status === run.execution.status &&
      maskedOutput(check.output) === maskedOutput(run.execution.output) &&
      check.executions === executions.length &&
      pathOfCounts(check.entered ?? new Map()) === pathOf(executions) &&
      check.table.unused() === 0;
    let spent = 0;
    for (let i = -WARM_UP_RUNS; ; i++) {
      if (i >= options.minRuns && (spent >= options.seconds * 1000 || i >= options.maxRuns)) break;
      // Side by side: one run of each, turn about, so the machine's load weighs on both alike.
      const table = replay.reset(run);
      const before = replay.engine.executions().length;
      const start = performance.now();
      const replayed = await replay.engine.run(run.runbook, run.execution.input, {
        name: run.execution.name,
      });
      const local = performance.now() - start;
      const bareStart = performance.now();
      await bare.run(run.execution.input);
      const bareTime = performance.now() - bareStart;
      const definitionsStart = performance.now();
      const same = await definitions.run(run);
      const definitionsTime = performance.now() - definitionsStart;
      definitionsFaithful &&=
        same.status === run.execution.status &&
        same.executions === executions.length &&
        same.table.unused() === 0 &&
        maskedOutput(same.output) === maskedOutput(run.execution.output);
      faithful &&=
        table.misses === 0 &&
        table.unused() === 0 &&
        sameRun(
          run,
          replayed,
          // The runs it started (a re-used name keeps its place: what is new is at the end).
          replay.engine
            .executions()
            .slice(before)
            .filter((e) => e !== replayed),
        );
      if (i < 0) continue;
      localMs.push(local);
      bareMs.push(bareTime);
      definitionsMs.push(definitionsTime);
      spent += local;
    }
    const localEngine = throughput(localMs);
    const bareThroughput = throughput(bareMs);
    const sameDefinitions = throughput(definitionsMs);
    const per = (a: Throughput, b: Throughput) =>
      Math.round((a.executionsPerSecond / b.executionsPerSecond) * 1000) / 1000;
    const row: EngineRow = {
      runbook: run.runbook,
      path: run.path,
      executions: executions.length,
      statesEntered: kinds.length,
      taskStates: kinds.filter((k) => k === 'Task').length,
      runs: localMs.length,
      localEngine,
      sameDefinitions,
      sameDefinitionsRatio: per(localEngine, sameDefinitions),
      sameDefinitionsFaithful: definitionsFaithful,
      bare: bareThroughput,
      ratio: per(localEngine, bareThroughput),
      faithful,
    };
    progress(
      `  ${row.runbook.padEnd(20)} ${String(row.statesEntered).padStart(4)} states  ` +
        `local ${row.localEngine.executionsPerSecond} /s  same definitions ${sameDefinitions.executionsPerSecond} /s ` +
        `(ratio ${row.sameDefinitionsRatio}${definitionsFaithful ? '' : ', bare run diverged!'})  ` +
        `straight line ${row.bare.executionsPerSecond} /s (ratio ${row.ratio})${faithful ? '' : '  (replay diverged!)'}`,
    );
    rows.push(row);
  }
  return rows;
}
