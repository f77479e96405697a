/**
 * @file The reduction loops of a vectorised map kernel (sum, max, logsumexp over the inner loop
 * var): four lanes at a time, then the tail one element at a time; the lanes combine into the f64
 * accumulator. The logsumexp reads each block of a row twice from cache: its max, then Σ exp(v − max).
 */
import type { ReduceOp, ScalarExpr, WasmImportName } from '@xent/core/internal';
import type { FunctionBuilder } from './encoder.js';
import { constant, type Emit, f32x4Const, i32x4Const, loop, run } from './emit.js';
import { exp4 } from './simdMath.js';
import type { VectorBody } from './values.js';

/** Init, inner loop and finish code of a reduction over the inner var (lanes combine into `acc`, f64). */
export function reductionCode(
  f: FunctionBuilder,
  op: ReduceOp,
  body: ScalarExpr,
  vectorBody: (contiguous: boolean) => VectorBody,
  iv: number,
  extent: number,
  acc: number,
  importIndex: (name: WasmImportName) => number,
  relaxed: boolean,
): { init: Emit; loops: Emit; finish: Emit } {
  const e4 = extent - (extent % 4);
  const tail = vectorBody(false);
  const tailValue = tail.value(body);
  const lane0 = (g: FunctionBuilder): void => {
    g.op('local.get', tailValue).op('f32x4.extract_lane', 0).op('f64.promote_f32');
  };
  switch (op) {
    case 'sum': {
      const lo = f.local('v128');
      const hi = f.local('v128');
      const vec = vectorBody(true);
      const v = vec.value(body);
      return {
        init: (g) => {
          g.pushConstant(i32x4Const(0)).op('local.tee', lo).op('local.set', hi);
        },
        loops: (g) => {
          loop(g, iv, constant(0), constant(e4), 4, (h) => {
            run(h, vec.code);
            h.op('local.get', lo).op('local.get', v).op('f64x2.promote_low_f32x4').op('f64x2.add').op('local.set', lo);
            h.op('local.get', hi).op('local.get', v).op('local.get', v);
            h.op('i8x16.shuffle', 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
            h.op('f64x2.promote_low_f32x4').op('f64x2.add').op('local.set', hi);
          });
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            h.op('local.get', acc);
            lane0(h);
            h.op('f64.add').op('local.set', acc);
          });
        },
        finish: (g) => {
          g.op('local.get', acc);
          g.op('local.get', lo).op('f64x2.extract_lane', 0).op('f64.add');
          g.op('local.get', lo).op('f64x2.extract_lane', 1).op('f64.add');
          g.op('local.get', hi).op('f64x2.extract_lane', 0).op('f64.add');
          g.op('local.get', hi).op('f64x2.extract_lane', 1).op('f64.add');
          g.op('local.set', acc);
        },
      };
    }
    case 'max': {
      const m = f.local('v128');
      // relaxed: the hardware max, with NaN lanes noted apart (max propagates NaN)
      const nan = f.local('v128');
      const vec = vectorBody(true);
      const v = vec.value(body);
      return {
        init: (g) => {
          g.pushConstant(f32x4Const(-Infinity)).op('local.set', m);
          g.pushConstant(i32x4Const(0)).op('local.set', nan);
          g.op('f64.const', -Infinity).op('local.set', acc);
        },
        loops: (g) => {
          loop(g, iv, constant(0), constant(e4), 4, (h) => {
            run(h, vec.code);
            h.op('local.get', m)
              .op('local.get', v)
              .op(relaxed ? 'f32x4.relaxed_max' : 'f32x4.max')
              .op('local.set', m);
            if (relaxed)
              h.op('local.get', nan)
                .op('local.get', v)
                .op('local.get', v)
                .op('f32x4.ne')
                .op('v128.or')
                .op('local.set', nan);
          });
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            h.op('local.get', acc);
            lane0(h);
            h.op('f64.max').op('local.set', acc);
          });
        },
        finish: (g) => {
          if (relaxed) {
            // lanes that met a NaN are NaN (f64.max below propagates it); a zero maximum may keep either sign
            g.pushConstant(f32x4Const(NaN)).op('local.get', m).op('local.get', nan).op('v128.bitselect');
            g.op('local.set', m);
          }
          for (let l = 0; l < 4; l++) {
            g.op('local.get', acc)
              .op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('f64.max')
              .op('local.set', acc);
          }
        },
      };
    }
    case 'logsumexp': {
      // Per lane (m, s). Blocks of up to 256 vectors are read twice from cache: their max, then
      // Σ exp(v − max); each block then merges into the running pair with one rescale.
      const BLOCK = 1024;
      const m = f.local('v128');
      const s = f.local('v128');
      const mb = f.local('v128');
      const sb = f.local('v128');
      const mn = f.local('v128');
      const t = f.local('v128');
      const bEnd = f.local('i32');
      const bStart = f.local('i32');
      const M = f.local('f64');
      const S = f.local('f64');
      const x = f.local('f64');
      const passMax = vectorBody(true);
      const passSum = vectorBody(true);
      const vMax = passMax.value(body);
      const vSum = passSum.value(body);
      const expIf = (g: FunctionBuilder, diff: Emit, equal: Emit): void => {
        // exp(diff), or exactly 1 where the operands were equal (also when both are ±Inf)
        g.pushConstant(f32x4Const(1));
        diff(g);
        g.op('local.set', t);
        exp4(g, t, relaxed);
        equal(g);
        g.op('v128.bitselect');
      };
      const expScalar = (g: FunctionBuilder): void => {
        g.op('call', importIndex('exp'));
      };
      return {
        init: (g) => {
          g.pushConstant(f32x4Const(-Infinity)).op('local.set', m);
          g.pushConstant(f32x4Const(0)).op('local.set', s);
        },
        loops: (g) => {
          loop(g, bStart, constant(0), constant(e4), BLOCK, (h) => {
            // bEnd = min(bStart + BLOCK, e4)
            h.op('local.get', bStart).op('i32.const', BLOCK).op('i32.add').op('i32.const', e4);
            h.op('local.get', bStart)
              .op('i32.const', BLOCK)
              .op('i32.add')
              .op('i32.const', e4)
              .op('i32.lt_s')
              .op('select')
              .op('local.set', bEnd);
            h.pushConstant(f32x4Const(-Infinity)).op('local.set', mb);
            loop(
              h,
              iv,
              (q) => q.op('local.get', bStart),
              (q) => q.op('local.get', bEnd),
              4,
              (q) => {
                run(q, passMax.code);
                // relaxed max may drop a NaN here: the sum pass then reads it (exp(NaN − mb) is NaN)
                q.op('local.get', mb)
                  .op('local.get', vMax)
                  .op(relaxed ? 'f32x4.relaxed_max' : 'f32x4.max')
                  .op('local.set', mb);
              },
            );
            h.pushConstant(f32x4Const(0)).op('local.set', sb);
            loop(
              h,
              iv,
              (q) => q.op('local.get', bStart),
              (q) => q.op('local.get', bEnd),
              4,
              (q) => {
                run(q, passSum.code);
                q.op('local.get', sb);
                expIf(
                  q,
                  (r) => r.op('local.get', vSum).op('local.get', mb).op('f32x4.sub'),
                  (r) => r.op('local.get', vSum).op('local.get', mb).op('f32x4.eq'),
                );
                q.op('f32x4.add').op('local.set', sb);
              },
            );
            // merge: mn = max(m, mb); s = s·e^(m−mn) + sb·e^(mb−mn)
            h.op('local.get', m).op('local.get', mb).op('f32x4.max').op('local.set', mn);
            h.op('local.get', s);
            expIf(
              h,
              (r) => r.op('local.get', m).op('local.get', mn).op('f32x4.sub'),
              (r) => r.op('local.get', m).op('local.get', mn).op('f32x4.eq'),
            );
            h.op('f32x4.mul');
            h.op('local.get', sb);
            expIf(
              h,
              (r) => r.op('local.get', mb).op('local.get', mn).op('f32x4.sub'),
              (r) => r.op('local.get', mb).op('local.get', mn).op('f32x4.eq'),
            );
            h.op('f32x4.mul').op('f32x4.add').op('local.set', s);
            h.op('local.get', mn).op('local.set', m);
          });
          // lanes → (M, S) in f64, then the tail elements online
          g.op('f64.const', -Infinity).op('local.set', M);
          for (let l = 0; l < 4; l++)
            g.op('local.get', M)
              .op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('f64.max')
              .op('local.set', M);
          g.op('f64.const', 0).op('local.set', S);
          for (let l = 0; l < 4; l++) {
            g.op('local.get', S);
            g.op('local.get', s).op('f32x4.extract_lane', l).op('f64.promote_f32');
            // factor e^(m_l − M), exactly 1 when equal
            g.op('f64.const', 1);
            g.op('local.get', m).op('f32x4.extract_lane', l).op('f64.promote_f32').op('local.get', M).op('f64.sub');
            expScalar(g);
            g.op('local.get', m)
              .op('f32x4.extract_lane', l)
              .op('f64.promote_f32')
              .op('local.get', M)
              .op('f64.eq')
              .op('select');
            g.op('f64.mul').op('f64.add').op('local.set', S);
          }
          loop(g, iv, constant(e4), constant(extent), 1, (h) => {
            run(h, tail.code);
            lane0(h);
            h.op('local.set', x);
            // v > M: S = S·e^(M−v) + 1, M = v; v == M: S += 1; v ≠ −Inf: S += e^(v−M)
            h.op('local.get', x).op('local.get', M).op('f64.gt').op('if');
            h.op('local.get', S).op('local.get', M).op('local.get', x).op('f64.sub');
            expScalar(h);
            h.op('f64.mul').op('f64.const', 1).op('f64.add').op('local.set', S).op('local.get', x).op('local.set', M);
            h.op('else');
            h.op('local.get', x).op('local.get', M).op('f64.eq').op('if');
            h.op('local.get', S).op('f64.const', 1).op('f64.add').op('local.set', S);
            h.op('else');
            h.op('local.get', x).op('f64.const', -Infinity).op('f64.ne').op('if');
            h.op('local.get', S).op('local.get', x).op('local.get', M).op('f64.sub');
            expScalar(h);
            h.op('f64.add').op('local.set', S);
            h.op('end').op('end').op('end');
          });
        },
        finish: (g) => {
          // −Inf when every element was −Inf (and no NaN), else M + log S
          g.op('f64.const', -Infinity);
          g.op('local.get', M).op('local.get', S).op('call', importIndex('log')).op('f64.add');
          g.op('local.get', M).op('f64.const', -Infinity).op('f64.eq');
          g.op('local.get', S).op('local.get', S).op('f64.eq').op('i32.and').op('select').op('local.set', acc);
        },
      };
    }
  }
}
