/**
 * The arithmetic of the report's charts, pure: linear scales, round tick values, the time axis,
 * and the SVG path of a per-minute series (a step line: each minute's value holds for the minute).
 */

/** Maps a domain linearly onto a range (pixels); a flat domain maps to the range's start. */
export type Scale = (value: number) => number;

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

export interface ValueAxis {
  /** The axis's top: the data's maximum rounded up to a tick. */
  max: number;
  /** From 0 to `max`, evenly spaced. */
  ticks: number[];
}

/**
 * A value axis from 0 to just above `dataMax`, with about `target` ticks at 1, 2, 2.5 or 5 times a
 * power of ten (whole numbers only when `integer`: counts of requests). An empty or all-zero
 * series still gets an axis (0 to 1).
 */
export function valueAxis(dataMax: number, { target = 5, integer = false } = {}): ValueAxis {
  const top = Number.isFinite(dataMax) && dataMax > 0 ? dataMax : 1;
  let step = niceStep(top / target);
  if (integer) step = Math.max(1, Math.round(step));
  const count = Math.ceil(top / step - 1e-9);
  const ticks = Array.from({ length: count + 1 }, (_, i) => roundTo(i * step, step));
  return { max: ticks[ticks.length - 1] ?? top, ticks };
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Cuts float noise (0.30000000000000004) to the step's precision. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(decimals));
}

const MINUTE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120];

/** Ticks of the time axis, in seconds: every 1, 2, 5, 10, 15 ... minutes, at most `maxTicks` + 1. */
export function timeTicks(durationSeconds: number, maxTicks = 10): number[] {
  const minutes = Math.max(1, durationSeconds / 60);
  const step = MINUTE_STEPS.find((s) => minutes / s <= maxTicks) ?? Math.ceil(minutes / maxTicks);
  return Array.from({ length: Math.floor(minutes / step) + 1 }, (_, i) => i * step * 60);
}

/** A coordinate as SVG reads it: at most one decimal, no trailing zeros. */
export const px = (value: number): string => String(Math.round(value * 10) / 10);

/**
 * A per-minute series as an SVG step path: value `i` holds from minute `i` to minute `i + 1`.
 * `null` (no value: a table on demand has no provisioned capacity) leaves a gap. Empty when every
 * value is null.
 */
export function stepPath(values: readonly (number | null)[], x: Scale, y: Scale): string {
  const parts: string[] = [];
  let drawing = false;
  values.forEach((value, minute) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const from = px(x(minute * 60));
    const to = px(x((minute + 1) * 60));
    const level = px(y(value));
    parts.push(drawing ? `V${level}H${to}` : `M${from} ${level}H${to}`);
    drawing = true;
  });
  return parts.join('');
}

/**
 * Per-minute series stacked on one another (shares of a whole), as closed SVG step areas, the
 * first series at the bottom: each band runs from the sum of the series below it to that sum plus
 * its own value (null counts as 0).
 */
export function stackedStepAreas(
  series: readonly (readonly (number | null)[])[],
  x: Scale,
  y: Scale,
): string[] {
  const minutes = Math.max(0, ...series.map((s) => s.length));
  let below: number[] = Array.from({ length: minutes }, () => 0);
  return series.map((values) => {
    const above = below.map((base, i) => base + (values[i] ?? 0));
    const upper = stepPoints(above, x, y);
    const lower = stepPoints(below, x, y).reverse();
    below = above;
    if (upper.length === 0) return '';
    const outline = [...upper, ...lower].map(([px1, py]) => `${px(px1)} ${px(py)}`);
    return `M${outline.filter((point, i) => point !== outline[i - 1]).join('L')}Z`;
  });
}

function stepPoints(values: readonly number[], x: Scale, y: Scale): [number, number][] {
  return values.flatMap((value, minute): [number, number][] => [
    [x(minute * 60), y(value)],
    [x((minute + 1) * 60), y(value)],
  ]);
}

/** `950`, `1.5k`, `12k`, `1.3M`: tick labels that fit beside an axis. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const [divisor, suffix] = abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const scaled = value / divisor;
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${Number(scaled.toFixed(digits))}${suffix}`;
}
