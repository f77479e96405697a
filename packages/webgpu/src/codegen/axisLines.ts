/** @file The lines of a shape along one axis, as the scan and sort kernels walk them: one line per workgroup or element group. */
import { unravel } from './mapKernel.js';

export interface AxisLines {
  /** How many lines there are (the elements off the axis; 0 for an empty axis). */
  readonly count: number;
  /** The length of each line. */
  readonly length: number;
  /** WGSL lets of the loop vars off the axis (`i<d>` for dim d), unravelled from the line number. */
  readonly vars: readonly string[];
  /** The flat offset of the line's first element, over those vars. */
  readonly base: string;
  /** The flat stride along the axis. */
  readonly stride: number;
}

/** The lines of `shape` along `axis`, the line number read from the WGSL expression `line`. */
export function axisLines(shape: readonly number[], axis: number, line: string): AxisLines {
  const size = shape.reduce((a, b) => a * b, 1);
  const length = shape[axis] ?? 1;
  const others = shape.map((d, i) => ({ d, i })).filter(({ i }) => i !== axis);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const vars = unravel(
    line,
    others.map((o) => o.d),
    0,
  ).map((l, j) => l.replace(/^let i\d+/, `let i${others[j]?.i ?? 0}`));
  return {
    count: length === 0 ? 0 : size / length,
    length,
    vars,
    base: others.map(({ i }) => `i${i} * ${strides[i] ?? 1}`).join(' + ') || '0',
    stride: strides[axis] ?? 1,
  };
}
