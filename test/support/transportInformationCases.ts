/** @file The catalog's Tier 2 transport, divergence and dependence measures as loss cases (z, other [N, K], labels [N]) for the backend parity suites. */
import * as x from 'xent';
import type { LossCase } from './lossCases.js';

const { losses: L, divergence: Dv } = x;

/** 1.37·k along the last axis of `t`, in its dtype. */
const ramp = (t: x.Tensor): x.Tensor =>
  x.cast(x.mul(x.arange(t.shape[t.shape.length - 1] as number, { dtype: 'f32' }), 1.37), t.dtype);

/**
 * The smooth measures of the Tier 2 transport/information group (no eigh). TV, EMO, Sinkhorn, dCov and
 * dCor are tested in their own suites: these draws include ties, zero vectors and coincident points, their kinks.
 */
export const transportInformationCases: Record<string, LossCase> = {
  'divergence.fDivergence (hellinger)': (z, o) => Dv.fDivergence(z, o, 'hellinger'),
  'divergence.fDivergence (chiSquared)': (z, o) => Dv.fDivergence(z, o, 'chiSquared'),
  'divergence.fDivergence (user generator)': (z, o) => Dv.fDivergence(z, o, Dv.fGenerators.js),
  'divergence.jeffreys': (z, o) => Dv.jeffreys(z, o),
  'divergence.renyi (α = 0.5)': (z, o) => Dv.renyi(z, o, 0.5),
  'divergence.renyi (α = 1.005)': (z, o) => Dv.renyi(z, o, 1.005),
  'divergence.renyi (α = 3)': (z, o) => Dv.renyi(z, o, 3),
  cramerOrdinal: (z, o) => L.cramerOrdinal(x.softmax(z), x.softmax(o)),
  cramerOrdinalLoss: (z, _o, y) => L.cramerOrdinalLoss(z, y),
  // the draws are mostly exact zeros, ties of the sort (its kinks): a ramp of 1.37 per column spreads them apart
  'empiricalWasserstein (p = 2)': (z, o) => L.empiricalWasserstein(x.add(z, ramp(z)), x.sub(o, ramp(o)), { p: 2 }),
  dvBound: (z, o) => L.dvBound(x.reshape(z, [-1]), x.reshape(o, [-1])),
  nwjBound: (z, o) => L.nwjBound(x.reshape(z, [-1]), x.reshape(o, [-1])),
};
