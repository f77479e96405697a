/**
 * @file JavaScript source for each kernel kind: typed-array loops with hoisted bounds and
 * loop-invariant values, no per-element dispatch or closures.
 */
import type {
  EighKernel,
  MapKernel,
  MatmulKernel,
  ReduceOp,
  ScanKernel,
  ScanOp,
  SortKernel,
} from '@xent/core/internal';
import { type Loop, LoopNest } from './loopNest.js';

const params = (inputs: number, outputs: number): string =>
  [...Array.from({ length: inputs }, (_, i) => `in${i}`), ...Array.from({ length: outputs }, (_, i) => `out${i}`)].join(
    ',',
  );

/** Accumulator declaration, update with value `v`, and the finished value, per reduction op. */
function reduction(op: ReduceOp, dtype: string): { init: string[]; update: (v: string) => string; finish: string[] } {
  switch (op) {
    case 'sum':
      return {
        init: ['let acc=0;'],
        update: (v) => (dtype === 'i32' ? `acc=(acc+${v})|0;` : `acc+=${v};`),
        finish: [],
      };
    case 'max':
      return {
        init: [`let acc=${dtype === 'i32' ? '-2147483648' : '-Infinity'};`],
        update: (v) => `acc=Math.max(acc,${v});`,
        finish: [],
      };
    case 'logsumexp':
      // Online (max, Σ exp) pair: when the max moves, the running sum is rescaled.
      return {
        init: ['let m=-Infinity,s=0;'],
        update: (v) =>
          `{const v=${v};if(v>m){s=s*Math.exp(m-v)+1;m=v;}else if(v===m){s+=1;}else if(v!==-Infinity){s+=Math.exp(v-m);}}`,
        finish: ['const acc=(m===-Infinity&&s===s)?-Infinity:m+Math.log(s);'],
      };
  }
}

export function mapKernelSource(k: MapKernel): string {
  const outLoops: Loop[] = k.shape.map((extent, v) => ({ v, extent }));
  const redLoops: Loop[] = (k.reduce?.shape ?? []).map((extent, i) => ({ v: k.shape.length + i, extent }));
  const nest = new LoopNest([...outLoops, ...redLoops], k.shape.length);
  const depth = k.shape.length;
  const open: string[][] = Array.from({ length: nest.loops.length + 1 }, () => []);
  const close: string[][] = Array.from({ length: nest.loops.length + 1 }, () => []);
  let inner: string;
  if (k.reduce !== undefined) {
    const r = reduction(k.reduce.op, k.reduce.body.dtype);
    const body = nest.ref(k.reduce.body);
    inner = r.update(body);
    (open[depth] as string[]).push(...r.init);
    const stores = k.outputs.map((o, i) => `out${i}[o]=${nest.ref(o)};`);
    (close[depth] as string[]).push(...r.finish, ...nest.epilogue, ...stores, 'o++;');
  } else {
    const stores = k.outputs.map((o, i) => `out${i}[o]=${nest.ref(o)};`);
    inner = [...stores, 'o++;'].join('\n');
  }
  // With a reduction, the epilogue and stores close the reduction loops at the output depth.
  const code =
    k.reduce === undefined || k.reduce.shape.length > 0
      ? nest.render(inner, { open, close })
      : nest.render([...(open[depth] ?? []), inner, ...(close[depth] ?? [])].join('\n'));
  return `(${params(k.inputs.length, k.outputs.length)})=>{let o=0;\n${code}\n}`;
}

export function scanKernelSource(k: ScanKernel): string {
  const others: Loop[] = k.shape.flatMap((extent, v) => (v === k.axis ? [] : [{ v, extent }]));
  const loops: Loop[] = [...others, { v: k.axis, extent: k.shape[k.axis] as number, reverse: k.reverse }];
  const nest = new LoopNest(loops);
  const strides = k.shape.map((_, i) => k.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const value = nest.ref(k.value);
  const address = k.shape.map((_, i) => `i${i}*${strides[i] ?? 1}`).join('+') || '0';
  const open: string[][] = Array.from({ length: loops.length + 1 }, () => []);
  const step = scanSteps[k.op](k.value.dtype === 'i32');
  (open[others.length] as string[]).push(step.init);
  return `(${params(k.inputs.length, 1)})=>{\n${nest.render(`${step.update(value)}out0[${address}]=${step.current};`, { open })}\n}`;
}

/** Per scan op: the line's running state, its update with value `v`, and the running result. */
const scanSteps: {
  readonly [O in ScanOp]: (int: boolean) => { init: string; update: (v: string) => string; current: string };
} = {
  sum: (int) => ({ init: 'let s=0;', update: (v) => (int ? `s=(s+${v})|0;` : `s+=${v};`), current: 's' }),
  // Online (max, Σ exp) pair as in the logsumexp reduction: a prefix of −Inf stays −Inf, NaN stays NaN.
  logsumexp: () => ({
    init: 'let m=-Infinity,s=0;',
    update: (v) =>
      `{const v=${v};if(v>m){s=s*Math.exp(m-v)+1;m=v;}else if(v===m){s+=1;}else if(v!==-Infinity){s+=Math.exp(v-m);}}`,
    current: '(m===-Infinity&&s===s?-Infinity:m+Math.log(s))',
  }),
};

/**
 * sort: each line along the axis is gathered from `value` into f64 keys (exact for every dtype),
 * sorted by `stableArgsort` (a helper bound at compile time), and its permutation stored.
 */
export function sortKernelSource(k: SortKernel): string {
  const others: Loop[] = k.shape.flatMap((extent, v) => (v === k.axis ? [] : [{ v, extent }]));
  const n = k.shape[k.axis] as number;
  const nest = new LoopNest([...others, { v: k.axis, extent: n }]);
  const strides = k.shape.map((_, i) => k.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const value = nest.ref(k.value);
  const base = others.map(({ v }) => `i${v}*${strides[v] ?? 1}`).join('+') || '0';
  const open: string[][] = Array.from({ length: others.length + 2 }, () => []);
  const close: string[][] = Array.from({ length: others.length + 2 }, () => []);
  (close[others.length] as string[]).push(
    `stableArgsort(keys,${n},${String(k.descending)},perm,tmp,keyTmp);{const b=${base};for(let q=0;q<${n};q++)out0[b+q*${strides[k.axis] ?? 1}]=perm[q];}`,
  );
  const body = nest.render(`keys[i${k.axis}]=${value};`, { open, close });
  return `(()=>{const keys=new Float64Array(${n});const perm=new Int32Array(${n});const tmp=new Int32Array(${n});const keyTmp=new Float64Array(${n});return(${params(k.inputs.length, 1)})=>{\n${body}\n}})()`;
}

/**
 * Blocked matmul. The inner loop runs over the contiguous dimension: over j (C and B rows) when B
 * rows are contiguous, otherwise over k (a dot product of A rows and B columns).
 */
export function matmulKernelSource(k: MatmulKernel): string {
  const { m, n, a, b } = k;
  const kk = k.k;
  const rank = k.batch.length;
  const [aRow, aCol] = [a.strides[rank] ?? 0, a.strides[rank + 1] ?? 0];
  const [bRow, bCol] = [b.strides[rank] ?? 0, b.strides[rank + 1] ?? 0];
  const batchSize = k.batch.reduce((p, q) => p * q, 1);
  const batchStrides = k.batch.map((_, i) => k.batch.slice(i + 1).reduce((p, q) => p * q, 1));
  const base = (op: typeof a): string =>
    [
      String(op.offset),
      ...k.batch.map((_, i) => `Math.floor(t/${batchStrides[i] ?? 1})%${k.batch[i] ?? 1}*${op.strides[i] ?? 0}`),
    ].join('+');
  const A = `in${a.slot}`;
  const B = `in${b.slot}`;
  const int = k.dtype === 'i32';
  const madd = (acc: string, x: string, y: string): string =>
    int ? `${acc}=(${acc}+Math.imul(${x},${y}))|0;` : `${acc}+=${x}*${y};`;
  let body: string;
  if (bCol === 1 || aCol !== 1) {
    // i-k-j: C[i, :] += A[i, q]·B[q, :], accumulated in an f64 row.
    body = `for(let i=0;i<${m};i++){row.fill(0);const ai=ab+i*${aRow};
for(let q=0;q<${kk};q++){const x=${A}[ai+q*${aCol}];const bq=bb+q*${bRow};
for(let j=0;j<${n};j++){${madd('row[j]', 'x', `${B}[bq+j*${bCol}]`)}}}
const ci=cb+i*${n};for(let j=0;j<${n};j++)out0[ci+j]=row[j];}`;
  } else {
    // i-j-k: dot products along the contiguous k of A rows and B columns.
    body = `for(let i=0;i<${m};i++){const ai=ab+i*${aRow};const ci=cb+i*${n};
for(let j=0;j<${n};j++){const bj=bb+j*${bCol};let s=0;
for(let q=0;q<${kk};q++){${madd('s', `${A}[ai+q]`, `${B}[bj+q*${bRow}]`)}}
out0[ci+j]=s;}}`;
  }
  // The row accumulator is allocated once per compiled kernel, not per call.
  return `(()=>{const row=new ${int ? 'Int32Array' : 'Float64Array'}(${n});return(${params(k.inputs.length, 1)})=>{
for(let t=0;t<${batchSize};t++){const ab=${base(a)};const bb=${base(b)};const cb=t*${m * n};
${body}}}})()`;
}

/**
 * eigh: each [n, n] matrix is gathered from `value` into an f64 scratch matrix, then decomposed by
 * `symmetricEigen` (a helper bound at compile time).
 */
export function eighKernelSource(k: EighKernel): string {
  const rank = k.shape.length;
  const n = k.shape[rank - 1] as number;
  const nest = new LoopNest(k.shape.map((extent, v) => ({ v, extent })));
  const value = nest.ref(k.value);
  const open: string[][] = Array.from({ length: rank + 1 }, () => []);
  const close: string[][] = Array.from({ length: rank + 1 }, () => []);
  (open[0] as string[]).push('let t=0;');
  const write = k.output === 'values' ? `out0.set(w,t*${n});` : `for(let r=0;r<${n * n};r++)out0[t*${n * n}+r]=v[r];`;
  (close[rank - 2] as string[]).push(`symmetricEigen(a,${n},w,v);${write}t++;`);
  const body = nest.render(`a[i${rank - 2}*${n}+i${rank - 1}]=${value};`, { open, close });
  return `(()=>{const a=new Float64Array(${n * n});const w=new Float64Array(${n});const v=new Float64Array(${n * n});return(${params(k.inputs.length, 1)})=>{\n${body}\n}})()`;
}
