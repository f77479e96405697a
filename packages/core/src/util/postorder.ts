/** @file Depth-first post-order of a DAG: every node after its children, each once (iterative, so deep graphs are safe). */

/** The nodes reachable from `roots`, children before parents, in an order fixed by the structure alone. */
export function postorder<T>(roots: readonly T[], children: (node: T) => readonly T[]): T[] {
  const order: T[] = [];
  const done = new Set<T>();
  const stack: { node: T; next: number }[] = [];
  for (const root of roots) {
    if (done.has(root)) continue;
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: T; next: number };
      const child = children(top.node)[top.next];
      if (child !== undefined) {
        top.next++;
        if (!done.has(child)) stack.push({ node: child, next: 0 });
        continue;
      }
      stack.pop();
      if (!done.has(top.node)) {
        done.add(top.node);
        order.push(top.node);
      }
    }
  }
  return order;
}
