/**
 * @file Where the fused linear-logit prims and kernels keep their operands: the one record of input
 * and output slots, and of the packed gradient's parts, that every reader (type rules, autodiff,
 * lowering, pairing, backends) takes its positions from.
 */

/** What a linear-logit prim or kernel computes: the row stats, their VJP, or both at once (a kernel only). */
export type LinearLogitPass = 'stats' | 'grad' | 'statsGrad';

/** The slots of a linear-logit prim's or kernel's inputs and outputs (undefined: the pass has none). */
export interface LinearLogitSlots {
  /** h [N, D] */
  readonly h: number;
  /** W [V, D] */
  readonly w: number;
  /** b [V] */
  readonly b: number;
  /** y [N] (i32), with targets */
  readonly y: number | undefined;
  /** How many inputs are operands (h, W, b and y): the pass's own inputs follow them. */
  readonly operands: number;
  /** The stats [N, 5] the `grad` pass reads. */
  readonly stats: number | undefined;
  /** The stats' cotangent [N, 5] (`grad`, `statsGrad`). */
  readonly cotangent: number | undefined;
  /** How many inputs. */
  readonly inputs: number;
  /** The output holding the stats [N, 5] (`stats`, `statsGrad`). */
  readonly statsOut: number | undefined;
  /** The output holding the packed cotangents of h, W and b (`grad`, `statsGrad`). */
  readonly gradOut: number | undefined;
}

/** The slots of a pass with or without targets. */
export function linearLogitSlots(targets: boolean, pass: LinearLogitPass): LinearLogitSlots {
  const operands = targets ? 4 : 3;
  const stats = pass === 'grad' ? operands : undefined;
  const cotangent = pass === 'stats' ? undefined : pass === 'grad' ? operands + 1 : operands;
  return {
    h: 0,
    w: 1,
    b: 2,
    y: targets ? 3 : undefined,
    operands,
    stats,
    cotangent,
    inputs: cotangent === undefined ? operands : cotangent + 1,
    statsOut: pass === 'grad' ? undefined : 0,
    gradOut: pass === 'stats' ? undefined : pass === 'grad' ? 0 : 1,
  };
}

/** One part of a packed buffer: its first element and its element count. */
export interface PackedPart {
  readonly offset: number;
  readonly size: number;
}

/** The packed cotangents [∂h (N·D) | ∂W (V·D) | ∂b (V)]: where each part starts, and their total size. */
export interface PackedGradient {
  readonly h: PackedPart;
  readonly w: PackedPart;
  readonly b: PackedPart;
  readonly size: number;
}

/** The packed gradient's layout for h [N, D], W [V, D] and b [V]. */
export function packedGradient(n: number, d: number, v: number): PackedGradient {
  return {
    h: { offset: 0, size: n * d },
    w: { offset: n * d, size: v * d },
    b: { offset: n * d + v * d, size: v },
    size: n * d + v * d + v,
  };
}

/** The slots of a launch's buffers, numbered as its inputs, then its outputs. */
export function launchSlots(targets: boolean, pass: LinearLogitPass): LinearLogitSlots {
  const slots = linearLogitSlots(targets, pass);
  const output = (j: number | undefined): number | undefined => (j === undefined ? undefined : slots.inputs + j);
  return { ...slots, statsOut: output(slots.statsOut), gradOut: output(slots.gradOut) };
}

/**
 * For each buffer of a `stats` or `grad` launch, in its order, the buffer of a `statsGrad` launch
 * (of the same operands) that holds it: a paired launch may run as those two, the stats it writes
 * being what the grad reads.
 */
export function pairedBuffers(targets: boolean, pass: 'stats' | 'grad'): number[] {
  const part = launchSlots(targets, pass);
  const paired = launchSlots(targets, 'statsGrad');
  const at: number[] = [];
  for (const name of ['h', 'w', 'b', 'y', 'cotangent', 'statsOut', 'gradOut'] as const) {
    const slot = part[name];
    if (slot !== undefined) at[slot] = paired[name] as number;
  }
  if (part.stats !== undefined) at[part.stats] = paired.statsOut as number;
  return at;
}
