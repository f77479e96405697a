/**
 * @file Running a graph that holds scans without unrolling them: each scan's body is compiled once and
 * run `length` times, by a host loop that feeds each step's carries to the next, slices the scanned
 * inputs and writes the results into their stacked arrays (backends whose results are host arrays), or
 * by the backend's own device loop (`compileLoop`). The work around the scans runs as compiled stages:
 * one computing each scan's inputs, one the outputs.
 */
import type { Backend, Executable } from '../backend.js';
import { type ArrayData, hostArrayOf } from '../device.js';
import { allocHost, type HostArray } from '../ir/dtype.js';
import { type Graph, makeGraph, substitute } from '../ir/graph.js';
import { type CustomNode, makeParamNode, type Node, type ParamNode } from '../ir/node.js';
import type { ScanLoop } from '../ir/scanLoop.js';
import { sizeOf } from '../ir/shape.js';
import { expandCustomNodes } from './expandCustom.js';

/** Whether a node is an output of a scan. */
export const isScan = (n: Node): n is CustomNode => n.kind === 'custom' && n.rule.scan !== undefined;

/** Whether a backend's programs return host arrays (a host loop can slice and stack them). */
export const returnsHostArrays = (backend: Backend): boolean =>
  backend.kind === 'graph' || backend.hostMemory !== undefined;

/** `graph` with its custom calls expanded except scans, or undefined when it holds no scan. */
export function keepingScans(graph: Graph): Graph | undefined {
  if (!graph.nodes.some((n) => n.kind === 'custom')) return undefined;
  const outputs = expandCustomNodes(graph.outputs, isScan);
  const kept = makeGraph(graph.params, outputs);
  return kept.nodes.some(isScan) ? kept : undefined;
}

/** One scan of the graph: its loop, inputs, and the outputs the graph uses (by output index). */
interface ScanGroup {
  readonly loop: ScanLoop;
  readonly inputs: readonly Node[];
  readonly members: Map<number, Node>;
}

function scanGroups(graph: Graph): ScanGroup[] {
  const groups: ScanGroup[] = [];
  for (const n of graph.nodes) {
    if (!isScan(n)) continue;
    const { loop, output } = n.rule.scan as NonNullable<CustomNode['rule']['scan']>;
    const same = groups.find((g) => g.loop === loop && g.inputs.every((i, k) => i === n.inputs[k]));
    if (same !== undefined) same.members.set(output, n);
    else groups.push({ loop, inputs: n.inputs, members: new Map([[output, n]]) });
  }
  return groups;
}

/** Whether scans stay loops on `backend`: a host loop can run them, or the backend runs loops itself. */
export const keepsLoops = (backend: Backend): boolean =>
  returnsHostArrays(backend) || (backend.kind === 'kernel' && backend.compileLoop !== undefined);

/** The loop run on host arrays over its compiled body, as an executable of (consts, carries, xs). */
export const hostLoop = (loop: ScanLoop, body: Executable): Executable => ({
  run: (inputs) => runLoop(loop, body, inputs),
});

/** The loop run on host arrays: returns the final carries, then the stacked results. */
function runLoop(loop: ScanLoop, body: Executable, inputs: readonly ArrayData[]): HostArray[] {
  const hosts = inputs.map((a) => hostArrayOf(a, 'run', 'a scan input'));
  const { consts: nk, carries: nc, length } = loop;
  const consts = hosts.slice(0, nk);
  let carry = hosts.slice(nk, nk + nc);
  const xs = hosts.slice(nk + nc);
  const xSizes = loop.body.params.slice(nk + nc).map((p) => sizeOf(p.type.shape));
  const yTypes = loop.body.outputs.slice(nc).map((o) => o.type);
  const ys = yTypes.map((t) => allocHost(t.dtype, length * sizeOf(t.shape)));
  for (let s = 0; s < length; s++) {
    const t = loop.reverse ? length - 1 - s : s;
    const slices = xs.map((x, i) => {
      const n = xSizes[i] as number;
      return x.slice(t * n, (t + 1) * n);
    });
    const out = body.run([...consts, ...carry, ...slices]).map((a) => hostArrayOf(a, 'run', 'a scan step result'));
    carry = out.slice(0, nc);
    ys.forEach((y, j) => {
      y.set(out[nc + j] as ArrayLike<number>, t * sizeOf((yTypes[j] as Node['type']).shape));
    });
  }
  return [...carry, ...ys];
}

/** A stage: the program computing one scan's inputs, its compiled loop, and where its used outputs go. */
interface Stage {
  readonly inputs: Executable;
  readonly loop: Executable;
  readonly members: readonly number[];
}

/**
 * The executable of `graph` (custom calls other than scans expanded) that runs each scan as a loop:
 * `prepare` compiles the scan-free graphs, `compileLoop` a scan's loop (returning its final carries,
 * then its stacked results).
 */
export function scanExecutable(
  graph: Graph,
  prepare: (g: Graph) => Executable,
  compileLoop: (loop: ScanLoop) => Executable,
): Executable {
  const placeholders = new Map<Node, Node>();
  const params: ParamNode[] = [...graph.params];
  const stages: Stage[] = scanGroups(graph).map((g) => {
    const inputs = prepare(makeGraph([...params], substitute(g.inputs, placeholders)));
    const members = [...g.members.keys()].sort((a, b) => a - b);
    for (const k of members) {
      const node = g.members.get(k) as Node;
      const p = makeParamNode(node.type, `scan${params.length}`);
      placeholders.set(node, p);
      params.push(p);
    }
    return { inputs, loop: compileLoop(g.loop), members };
  });
  const final = prepare(makeGraph(params, substitute(graph.outputs, placeholders)));
  return {
    run(args) {
      const env: ArrayData[] = [...args];
      for (const st of stages) {
        const outs = st.loop.run(st.inputs.run(env));
        for (const k of st.members) env.push(outs[k] as ArrayData);
      }
      return final.run(env);
    },
  };
}
