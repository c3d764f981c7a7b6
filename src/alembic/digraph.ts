// Graph algorithms over compact adjacency arrays (vertices are 0 .. n-1), iterative so that deep
// histories cannot overflow the stack. They know nothing of revisions: graph.ts maps ids to
// vertices and back.

// nearestCommonAncestors gives up past this many 32-bit words of its bit table (128 MiB).
const MAX_ANCESTOR_WORDS = 32 * 1024 * 1024;

// The targets of v are to[off[v]] .. to[off[v + 1] - 1].
export interface Adjacency {
  off: Int32Array;
  to: Int32Array;
}

export function adjacency(n: number, from: number[], to: number[]): Adjacency {
  const off = new Int32Array(n + 1);
  for (const f of from) off[f + 1]!++;
  for (let v = 0; v < n; v++) off[v + 1]! += off[v]!;
  const fill = off.slice(0, n);
  const out = new Int32Array(from.length);
  for (let e = 0; e < from.length; e++) out[fill[from[e]!]!++] = to[e]!;
  return { off, to: out };
}

function reversed(n: number, ...graphs: Adjacency[]): Adjacency {
  const from: number[] = [];
  const to: number[] = [];
  for (const g of graphs) {
    for (let v = 0; v < n; v++) {
      for (let e = g.off[v]!; e < g.off[v + 1]!; e++) {
        from.push(g.to[e]!);
        to.push(v);
      }
    }
  }
  return adjacency(n, from, to);
}

// Tarjan's strongly connected components over down + deps edges; returns the components that
// are cycles (size > 1: self references were taken out earlier).
export function stronglyConnected(n: number, down: Adjacency, deps: Adjacency): number[][] {
  const UNSEEN = -1;
  const idx = new Int32Array(n).fill(UNSEEN);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  const callV: number[] = [];
  const callE: number[] = [];
  let counter = 0;
  // Edge e of v: first its down edges, then its deps edges; -1 past the end.
  const edge = (v: number, e: number): number => {
    const nd = down.off[v + 1]! - down.off[v]!;
    if (e < nd) return down.to[down.off[v]! + e]!;
    const k = deps.off[v]! + e - nd;
    return k < deps.off[v + 1]! ? deps.to[k]! : -1;
  };
  for (let root = 0; root < n; root++) {
    if (idx[root] !== UNSEEN) continue;
    idx[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    callV.push(root);
    callE.push(0);
    while (callV.length > 0) {
      const top = callV.length - 1;
      const v = callV[top]!;
      const w = edge(v, callE[top]!);
      if (w >= 0) {
        callE[top]!++;
        if (idx[w] === UNSEEN) {
          idx[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          callV.push(w);
          callE.push(0);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, idx[w]!);
        }
        continue;
      }
      callV.pop();
      callE.pop();
      if (callV.length > 0) {
        const parent = callV[callV.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === idx[v]) {
        let x = stack.pop()!;
        onStack[x] = 0;
        if (x === v) continue; // a single vertex: no cycle
        const comp = [x];
        do {
          x = stack.pop()!;
          onStack[x] = 0;
          comp.push(x);
        } while (x !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

// Kahn's algorithm, parents before children, ties broken by id rank; vertices left on cycles
// go last, by id.
export function topologicalOrder(n: number, down: Adjacency, deps: Adjacency, rank: Int32Array): number[] {
  const children = reversed(n, down, deps);
  const indegree = new Int32Array(n);
  for (let v = 0; v < n; v++) indegree[v] = down.off[v + 1]! - down.off[v]! + deps.off[v + 1]! - deps.off[v]!;
  const heap = new MinHeap(rank);
  for (let v = 0; v < n; v++) if (indegree[v] === 0) heap.push(v);
  const order: number[] = [];
  while (heap.size > 0) {
    const v = heap.pop();
    order.push(v);
    for (let e = children.off[v]!; e < children.off[v + 1]!; e++) {
      const c = children.to[e]!;
      if (--indegree[c]! === 0) heap.push(c);
    }
  }
  if (order.length < n) {
    const left: number[] = [];
    for (let v = 0; v < n; v++) if (indegree[v]! > 0) left.push(v);
    left.sort((a, b) => rank[a]! - rank[b]!);
    order.push(...left);
  }
  return order;
}

class MinHeap {
  private readonly a: number[] = [];
  constructor(private readonly key: Int32Array) {}
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    const k = this.key;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[a[p]!]! <= k[v]!) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const k = this.key;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && k[a[r]!]! < k[a[l]!]! ? r : l;
        if (k[a[c]!]! >= k[last]!) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

// The common ancestors of all heads along down_revision form an ancestor-closed set; the
// nearest ones are its members with no child inside it. One bit per head, propagated from
// children to parents in reverse topological order. null when the bit table would be too big.
export function nearestCommonAncestors(heads: number[], order: number[], down: Adjacency): number[] | null {
  const n = down.off.length - 1;
  const words = Math.ceil(heads.length / 32);
  if (n * words > MAX_ANCESTOR_WORDS) return null;
  const bits = new Uint32Array(n * words);
  heads.forEach((v, i) => (bits[v * words + (i >>> 5)]! |= 1 << (i & 31)));
  for (let o = order.length - 1; o >= 0; o--) {
    const v = order[o]!;
    for (let e = down.off[v]!; e < down.off[v + 1]!; e++) {
      const p = down.to[e]!;
      for (let w = 0; w < words; w++) bits[p * words + w]! |= bits[v * words + w]!;
    }
  }
  const tail = heads.length % 32;
  const full = (v: number): boolean => {
    for (let w = 0; w < words; w++) {
      const want = w === words - 1 && tail !== 0 ? ((1 << tail) - 1) >>> 0 : 0xffffffff;
      if (bits[v * words + w]! !== want) return false;
    }
    return true;
  };
  const common = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (full(v)) common[v] = 1;
  const nearest = Uint8Array.from(common);
  for (let v = 0; v < n; v++) {
    if (!common[v]) continue;
    for (let e = down.off[v]!; e < down.off[v + 1]!; e++) nearest[down.to[e]!] = 0;
  }
  const out: number[] = [];
  for (let v = 0; v < n; v++) if (nearest[v]) out.push(v);
  return out;
}
