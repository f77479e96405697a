/**
 * @file The special functions as public ops: erf, erfc, erfinv, lgamma, digamma and polygamma, each
 * a primitive (values and bounds in `kernel/special.ts`; every derivative is another of them).
 */
import type { DType } from '../../ir/dtype.js';
import { MAX_POLYGAMMA_ORDER } from '../../ir/prim.js';
import { publicFn } from '../../validate/publicFn.js';
import * as s from '../../validate/schemas.js';
import { applyOp } from '../apply.js';
import type { ShapeT } from '../shapeTypes.js';
import type { Tensor } from '../tensor.js';

const special = (prim: 'erf' | 'erfc' | 'erfinv' | 'lgamma') =>
  publicFn(
    prim,
    { x: s.tensor({ dtype: 'float' }) },
    <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
      applyOp(prim, prim, {}, [x.node]) as Tensor<S, D>,
  );

/** The error function 2/√π ∫₀ˣ e^{−t²} dt (±1 at ±Inf). */
export const erf = special('erf');
/** 1 − erf(x), accurate where erf(x) is near 1 (0 at +Inf, 2 at −Inf). */
export const erfc = special('erfc');
/** The inverse of erf on [−1, 1]: ±Inf at ±1, NaN outside. */
export const erfinv = special('erfinv');
/** log|Γ(x)|: +Inf at 0, at the negative integers and at ±Inf. */
export const lgamma = special('lgamma');

/**
 * ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function (n an integer in [0, 64]), as
 * `torch.special.polygamma(n, x)`. At the poles (0 and the negative integers): +Inf for odd n; for
 * even n ±Inf at ±0 (by the sign of the zero) and NaN at the negative integers. ψ⁽ⁿ⁾(+Inf) = 0 for n ≥ 1.
 * Its derivative is ψ⁽ⁿ⁺¹⁾: differentiating past order 64 is a GradError.
 */
export const polygamma = publicFn(
  'polygamma',
  { n: s.number({ min: 0, max: MAX_POLYGAMMA_ORDER, integer: true }), x: s.tensor({ dtype: 'float' }) },
  <S extends ShapeT, D extends DType>(n: number, x: Tensor<S, D>): Tensor<S, D> =>
    applyOp('polygamma', 'polygamma', { order: n }, [x.node]) as Tensor<S, D>,
);

/** ψ(x) = Γ′(x)/Γ(x): −Inf at +0, +Inf at −0 and at +Inf, NaN at the negative integers and at −Inf. */
export const digamma = publicFn(
  'digamma',
  { x: s.tensor({ dtype: 'float' }) },
  <S extends ShapeT, D extends DType>(x: Tensor<S, D>): Tensor<S, D> =>
    applyOp('digamma', 'polygamma', { order: 0 }, [x.node]) as Tensor<S, D>,
);
