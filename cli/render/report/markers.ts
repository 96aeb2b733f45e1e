/**
 * The selfheal run's steps on the time axis, pure: the states its executions entered (Choices
 * apart: they are the runbook's reasoning, not its steps), grouped into markers far enough apart
 * to tell from one another. A marker that brings a step the run had not taken before, or ends a
 * run, is numbered and listed under the charts; the others (a loop going round) are plain ticks.
 * Every marker's tooltip lists its states.
 */
import type { RunSummary } from '../../../simulations/outcome.ts';
import { clock } from '../format.ts';

export interface MarkerState {
  name: string;
  /** The ASL state type: Task, Wait, Pass, ... */
  type: string;
  /** Times it was entered within the marker (a loop's repeats). */
  times: number;
}

export interface StepMarker {
  /** When the marker's first state was entered, in seconds since the start. */
  atSeconds: number;
  /** 1, 2, 3 ... for a marker that brings a new step or ends a run; null for a repeat. */
  number: number | null;
  states: MarkerState[];
  /** The tooltip: the time, then one line per state. */
  title: string;
}

export interface RunSpan {
  startSeconds: number;
  /** When it stopped; still running at the end of the simulation: the end. */
  stopSeconds: number;
  label: string;
}

/**
 * Markers for every run's states. A marker gathers the states entered within `gapSeconds` of its
 * first one (the width of a marker on the axis, in the axis's seconds), so markers never overlap.
 */
export function stepMarkers(runs: readonly RunSummary[], gapSeconds: number): StepMarker[] {
  const steps = runs
    .flatMap((run, order) => {
      const entered = run.states.filter((state) => state.type !== 'Choice');
      return entered.map((state, index) => ({ ...state, order, index, last: index === entered.length - 1 }));
    })
    .sort((a, b) => a.atSeconds - b.atSeconds || a.order - b.order || a.index - b.index);

  const groups: { atSeconds: number; steps: typeof steps }[] = [];
  for (const step of steps) {
    const current = groups[groups.length - 1];
    if (current && step.atSeconds - current.atSeconds < gapSeconds) current.steps.push(step);
    else groups.push({ atSeconds: step.atSeconds, steps: [step] });
  }

  const seen = new Set<string>();
  let numbered = 0;
  return groups.map(({ atSeconds, steps: group }) => {
    const states: MarkerState[] = [];
    for (const { name, type } of group) {
      const known = states.find((s) => s.name === name && s.type === type);
      if (known) known.times += 1;
      else states.push({ name, type, times: 1 });
    }
    const brings = group.some((s) => !seen.has(s.name) || s.last);
    for (const s of group) seen.add(s.name);
    return {
      atSeconds,
      number: brings ? ++numbered : null,
      states,
      title: [clock(atSeconds), ...states.map(stateLine)].join('\n'),
    };
  });
}

export function stateLine(state: MarkerState): string {
  return `${state.type}: ${state.name}${state.times > 1 ? ` (x${state.times})` : ''}`;
}

/** Each run from its start to its stop (or to `endSeconds` while it still ran). */
export function runSpans(runs: readonly RunSummary[], endSeconds: number): RunSpan[] {
  return runs.map((run) => ({
    startSeconds: run.startedAtSeconds,
    stopSeconds: run.stoppedAtSeconds ?? endSeconds,
    label: `${run.executionArn.split(':').slice(-2).join(':')}: ${run.status}, ${run.outcome}, ${clock(run.startedAtSeconds)} to ${run.stoppedAtSeconds === null ? 'the end' : clock(run.stoppedAtSeconds)}`,
  }));
}
