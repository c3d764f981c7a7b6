// The adjacency-array algorithms buildGraph stands on, on bare vertex numbers.
import { describe, expect, it } from 'vitest';
import { adjacency, type Adjacency, nearestCommonAncestors, stronglyConnected, topologicalOrder } from '../src/alembic/digraph.js';

function edges(n: number, pairs: [number, number][]): Adjacency {
  return adjacency(
    n,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
}

const targets = (a: Adjacency, v: number): number[] => [...a.to.subarray(a.off[v]!, a.off[v + 1]!)];

describe('adjacency', () => {
  it('lists the targets of each vertex in the order the edges came', () => {
    const a = edges(3, [
      [2, 0],
      [0, 1],
      [2, 1],
    ]);
    expect([0, 1, 2].map((v) => targets(a, v))).toEqual([[1], [], [0, 1]]);
  });
});

describe('stronglyConnected', () => {
  it('returns the loops (two vertices or more) across both edge sets', () => {
    // 0 -> 1 -> 0 (down), 2 -> 3 (down), 3 -> 2 (deps), 4 alone
    const down = edges(5, [
      [0, 1],
      [1, 0],
      [2, 3],
    ]);
    const deps = edges(5, [[3, 2]]);
    const sccs = stronglyConnected(5, down, deps).map((c) => [...c].sort());
    expect(sccs.sort()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(stronglyConnected(5, edges(5, [[0, 1]]), edges(5, []))).toEqual([]);
  });

  it('walks a long chain without recursion', () => {
    const n = 50_000;
    const pairs: [number, number][] = Array.from({ length: n - 1 }, (_, i) => [i + 1, i]);
    expect(stronglyConnected(n, edges(n, [...pairs, [0, n - 1]]), edges(n, []))[0]).toHaveLength(n);
  });
});

describe('topologicalOrder', () => {
  it('puts parents first, breaks ties by rank, and leaves a loop last by rank', () => {
    // child -> parent: 1 -> 0, 2 -> 0, 3 -> 1 (deps); 4 <-> 5 loop
    const down = edges(6, [
      [1, 0],
      [2, 0],
      [4, 5],
      [5, 4],
    ]);
    const deps = edges(6, [[3, 1]]);
    const rank = Int32Array.of(0, 3, 1, 2, 5, 4);
    expect(topologicalOrder(6, down, deps, rank)).toEqual([0, 2, 1, 3, 5, 4]);
  });
});

describe('nearestCommonAncestors', () => {
  // 0 <- 1 <- 3, 0 <- 2 <- 3 (3 merges 1 and 2); 1 <- 4, 2 <- 4 (a criss-cross)
  const down = edges(5, [
    [1, 0],
    [2, 0],
    [3, 1],
    [3, 2],
    [4, 1],
    [4, 2],
  ]);
  const order = [0, 1, 2, 3, 4];

  it('finds the common ancestors with no child among them', () => {
    expect(nearestCommonAncestors([3, 4], order, down)).toEqual([1, 2]);
    expect(nearestCommonAncestors([1, 2], order, down)).toEqual([0]);
  });

  it('finds none for heads that share no ancestor', () => {
    expect(nearestCommonAncestors([0, 1], [0, 1], edges(2, []))).toEqual([]);
  });

  it('counts past 32 heads', () => {
    const n = 41;
    const star = edges(
      n,
      Array.from({ length: n - 1 }, (_, i): [number, number] => [i + 1, 0]),
    );
    const heads = Array.from({ length: n - 1 }, (_, i) => i + 1);
    expect(
      nearestCommonAncestors(
        heads,
        Array.from({ length: n }, (_, i) => i),
        star,
      ),
    ).toEqual([0]);
  });
});
