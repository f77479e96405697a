/** @file Movement ops as index maps: the input coordinates a movement node reads for given output coordinates. */
import type { Node } from '../ir/node.js';
import { isOpOf, isViewPrim, type OpNodeOf, type ViewPrim } from '../ir/primInfo.js';
import { stridesOf } from '../ir/shape.js';
import { add, type Affine, dotStrides, type IndexSpace, konst, scale } from './indexing.js';

/** A view node with its prim and params correlated. */
export type ViewNode = OpNodeOf<ViewPrim>;

export const isViewNode = (n: Node): n is ViewNode => isOpOf(n, isViewPrim);

/** Coordinates in the input of a view node for coordinates `coords` in its output. */
export function viewInputCoords(n: ViewNode, coords: readonly Affine[], space: IndexSpace): Affine[] {
  const input = n.inputs[0] as Node;
  const inShape = input.type.shape;
  switch (n.prim) {
    case 'reshape': {
      // flat index in the output, then unravel in the input: ⌊flat / strideᵢ⌋ mod dimᵢ
      const flat = dotStrides(coords, stridesOf(n.type.shape));
      const inStrides = stridesOf(inShape);
      return inShape.map((d, i) => space.mod(space.div(flat, inStrides[i] as number), d));
    }
    case 'broadcast': {
      const lead = n.type.shape.length - inShape.length;
      return inShape.map((d, i) => (d === 1 ? konst(0) : (coords[i + lead] as Affine)));
    }
    case 'transpose': {
      const out = new Array<Affine>(inShape.length);
      n.params.perm.forEach((p, d) => (out[p] = coords[d] as Affine));
      return out;
    }
    case 'slice':
      return coords.map((c, d) => add(c, konst(n.params.start[d] as number)));
    case 'flip':
      return coords.map((c, d) =>
        n.params.axes.includes(d) ? add(scale(c, -1), konst((inShape[d] as number) - 1)) : c,
      );
  }
}

/**
 * Follows view nodes from `n` down to a node `isLeaf` accepts, returning that leaf and the
 * element address (row-major in the leaf) for `coords`; undefined if another op is in the way.
 */
export function viewAddress(
  n: Node,
  coords: readonly Affine[],
  space: IndexSpace,
  isLeaf: (m: Node) => boolean,
): { leaf: Node; address: Affine } | undefined {
  let cur = n;
  let cs: readonly Affine[] = coords;
  while (!isLeaf(cur)) {
    if (!isViewNode(cur)) return undefined;
    cs = viewInputCoords(cur, cs, space);
    cur = cur.inputs[0] as Node;
  }
  return { leaf: cur, address: dotStrides(cs, stridesOf(cur.type.shape)) };
}
