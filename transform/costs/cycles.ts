/**
 * BoM cycles as paths a person can follow ("A → B → C → A"). The rollup marks the products that
 * sit in or under a cycle and hands over the edges between them; here each strongly connected
 * group of them gives one cycle, found as the shortest way back to its first product. Pure.
 */
export type Edge = readonly [parent: number, component: number];

/** Tarjan's strongly connected components (iterative), only those that hold a cycle. */
function cyclicComponents(nodes: readonly number[], next: Map<number, number[]>): number[][] {
  let index = 0;
  const idx = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  for (const root of nodes) {
    if (idx.has(root)) continue;
    const work: Array<{ node: number; i: number }> = [{ node: root, i: 0 }];
    idx.set(root, index);
    low.set(root, index++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = next.get(frame.node) ?? [];
      if (frame.i < succ.length) {
        const w = succ[frame.i++]!;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.node, Math.min(low.get(frame.node)!, idx.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === idx.get(frame.node)) {
        const group: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          group.push(w);
        } while (w !== frame.node);
        const selfLoop = group.length === 1 && (next.get(group[0]!) ?? []).includes(group[0]!);
        if (group.length > 1 || selfLoop) out.push(group);
      }
    }
  }
  return out;
}

/** One cycle per group of products that depend on each other, as node ids, first repeated at the end. */
export function findCycles(edges: readonly Edge[]): number[][] {
  const next = new Map<number, number[]>();
  const nodes = new Set<number>();
  for (const [a, b] of edges) {
    nodes.add(a);
    nodes.add(b);
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  }
  const sorted = [...nodes].sort((a, b) => a - b);
  const cycles: number[][] = [];
  for (const group of cyclicComponents(sorted, next)) {
    const members = new Set(group);
    const start = Math.min(...group);
    // breadth-first inside the group: the shortest way from start back to start
    const prev = new Map<number, number>();
    const queue = [start];
    let found = false;
    while (queue.length > 0 && !found) {
      const node = queue.shift()!;
      for (const w of next.get(node) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          prev.set(start, node);
          found = true;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, node);
          queue.push(w);
        }
      }
    }
    const path = [start];
    let cur = prev.get(start)!;
    while (cur !== start) {
      path.push(cur);
      cur = prev.get(cur)!;
    }
    path.push(start);
    cycles.push([start, ...path.slice(1, -1).reverse(), start]);
  }
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

/** A cycle (first repeated at the end) turned to start at its lowest id, so each cycle reads one way. */
export function normalizeCycle(cycle: readonly number[]): number[] {
  const nodes = cycle.slice(0, -1);
  if (nodes.length === 0) return [...cycle];
  let at = 0;
  nodes.forEach((n, i) => {
    if (n < nodes[at]!) at = i;
  });
  const turned = [...nodes.slice(at), ...nodes.slice(0, at)];
  return [...turned, turned[0]!];
}

/** A kit path as the rollup recorded it (…, K1, K2, K1): the cycle from the kit's first occurrence. */
export function kitCycle(path: readonly number[]): number[] {
  const last = path[path.length - 1]!;
  const first = path.indexOf(last);
  return normalizeCycle(path.slice(first));
}
