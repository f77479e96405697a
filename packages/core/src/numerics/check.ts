/**
 * @file Running a program with NaN checks (debug mode). When an output holds NaN or ±Inf, the graph
 * (custom calls expanded) runs again on the same backend with every intermediate as an output, and
 * `locate` names the primitive that made it. Host results are checked before the run returns; device
 * results are checked as they are read back (reads wait for the check and raise its error).
 */
import type { Backend, Executable } from '../backend.js';
import { expandCustom } from '../compile/expandCustom.js';
import { prepare } from '../compile/run.js';
import { type ArrayData, isDeviceArray } from '../device.js';
import type { NumericsError } from '../errors.js';
import { type HostArray, isFloat } from '../ir/dtype.js';
import { type Graph, makeGraph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { locate } from './locate.js';
import { attachChecks, checksOfAll } from './pending.js';

const finite = (data: HostArray): boolean => {
  for (const v of data) if (!Number.isFinite(v)) return false;
  return true;
};

/** Whether some floating-point output of `graph` holds NaN or ±Inf. */
const someNonFinite = (graph: Graph, outs: readonly HostArray[]): boolean =>
  graph.outputs.some((o, i) => isFloat(o.type.dtype) && !finite(outs[i] as HostArray));

/**
 * Runs `graph` (custom calls expanded) with every op node as an output, and pairs each node with its
 * data: parameters with `args`, constants with their values, ops with the new run's, and the outputs
 * with `outs`, the values the program itself computed.
 */
function everyValue(
  graph: Graph,
  backend: Backend,
  args: readonly ArrayData[],
  outs: readonly ArrayData[],
): { expanded: Graph; pairs: [Node, ArrayData][] } {
  const expanded = expandCustom(graph);
  const ops = expanded.nodes.filter((n) => n.kind === 'op');
  const data = prepare(makeGraph(expanded.params, ops), backend).run(args);
  const pairs: [Node, ArrayData][] = [
    ...expanded.params.map((p, i): [Node, ArrayData] => [p, args[i] as ArrayData]),
    ...expanded.nodes.flatMap((n): [Node, ArrayData][] => (n.kind === 'const' ? [[n, n.value]] : [])),
    ...ops.map((n, i): [Node, ArrayData] => [n, data[i] as ArrayData]),
    ...expanded.outputs.map((n, i): [Node, ArrayData] => [n, outs[i] as ArrayData]),
  ];
  return { expanded, pairs };
}

/** The error for host results with a non-finite output (undefined when it only came from the inputs). */
function locateOnHost(
  graph: Graph,
  backend: Backend,
  args: readonly ArrayData[],
  outs: readonly HostArray[],
): NumericsError | undefined {
  const { expanded, pairs } = everyValue(graph, backend, args, outs);
  return locate(expanded, new Map(pairs.map(([n, d]) => [n, d as HostArray])));
}

const readBack = (d: ArrayData): Promise<HostArray> => (isDeviceArray(d) ? d.read() : Promise.resolve(d));

/** The check of device results: resolves when they are finite, or non-finite only from their inputs. */
async function checkOnDevice(
  graph: Graph,
  backend: Backend,
  args: readonly ArrayData[],
  outs: readonly ArrayData[],
): Promise<void> {
  let error: NumericsError | undefined;
  try {
    if (!someNonFinite(graph, await Promise.all(outs.map(readBack)))) return;
    const { expanded, pairs } = everyValue(graph, backend, args, outs);
    const values = await Promise.all(pairs.map(async ([n, d]) => [n, await readBack(d)] as const));
    for (const [n, d] of pairs) if (n.kind === 'op' && isDeviceArray(d) && !outs.includes(d)) d.dispose();
    error = locate(expanded, new Map(values));
  } catch {
    // a failed read raises when the results are read; inputs disposed since cannot be run again
    return;
  }
  if (error !== undefined) throw error;
}

/**
 * `exe.run(args)` (the compiled `graph` on `backend`) with its outputs checked: a NaN or ±Inf that some
 * primitive made from finite operands throws a NumericsError (host results), or makes reads of the
 * results, and of device data later computed from them, raise it (device results).
 */
export function runChecked(graph: Graph, backend: Backend, exe: Executable, args: readonly ArrayData[]): ArrayData[] {
  const inputs = [...args, ...graph.nodes.flatMap((n) => (n.kind === 'const' ? [n.value] : []))];
  const inherited = checksOfAll(inputs);
  const outs = exe.run(args);
  if (outs.some(isDeviceArray)) {
    attachChecks(outs, [...inherited, checkOnDevice(graph, backend, args, outs)]);
    return outs;
  }
  const host = outs as HostArray[];
  if (!someNonFinite(graph, host)) return outs;
  const error = locateOnHost(graph, backend, args, host);
  if (error !== undefined) throw error;
  return outs;
}
