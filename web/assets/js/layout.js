// layout.js - a small layered ("Sugiyama-style") layout for the service map: break cycles,
// assign each node the longest-path layer from the sources, order layers by barycentres over a
// few sweeps, then place layers in columns. Pure function: ids in, coordinates out.

// nodes: [{id, pin0?}], edges: [{from, to}] -> {pos: Map(id -> {x, y, layer}), width, height}
export function layeredLayout(nodes, edges, opts = {}) {
  const colGap = opts.colGap ?? 250;
  const rowGap = opts.rowGap ?? 150;
  const ids = nodes.map((n) => n.id);
  const out = new Map(ids.map((id) => [id, []]));
  const inc = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (e.from === e.to || !out.has(e.from) || !out.has(e.to)) continue;
    out.get(e.from).push(e.to);
    inc.get(e.to).push(e.from);
  }

  // Depth-first from sources (then anything left), dropping back edges so the rest is a DAG.
  const state = new Map();
  const dag = new Map(ids.map((id) => [id, []]));
  const visit = (id) => {
    const stack = [[id, 0]];
    state.set(id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = out.get(top[0])[top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
      } else if (!state.has(next)) {
        dag.get(top[0]).push(next);
        state.set(next, 1);
        stack.push([next, 0]);
      } else if (state.get(next) === 2) {
        dag.get(top[0]).push(next);
      }
    }
  };
  const sources = ids.filter((id) => inc.get(id).length === 0);
  for (const id of [...sources, ...ids]) if (!state.has(id)) visit(id);

  // Longest path layering (Kahn's order over the DAG).
  const indeg = new Map(ids.map((id) => [id, 0]));
  for (const id of ids) for (const t of dag.get(id)) indeg.set(t, indeg.get(t) + 1);
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  while (queue.length) {
    const id = queue.shift();
    for (const t of dag.get(id)) {
      layer.set(t, Math.max(layer.get(t), layer.get(id) + 1));
      indeg.set(t, indeg.get(t) - 1);
      if (indeg.get(t) === 0) queue.push(t);
    }
  }
  const nlayers = Math.max(0, ...layer.values()) + 1;
  const layers = Array.from({ length: nlayers }, () => []);
  for (const id of ids) layers[layer.get(id)].push(id);

  // Barycentre ordering: alternate sweeps using parents, then children.
  const index = new Map();
  const reindex = () => layers.forEach((l) => l.forEach((id, i) => index.set(id, i)));
  reindex();
  const preds = new Map(ids.map((id) => [id, []]));
  for (const id of ids) for (const t of dag.get(id)) preds.get(t).push(id);
  const bary = (id, nbrs) => {
    const list = nbrs.get(id);
    if (!list.length) return index.get(id);
    return list.reduce((a, n) => a + index.get(n), 0) / list.length;
  };
  for (let sweep = 0; sweep < 6; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const l of order) {
      const b = new Map(l.map((id) => [id, bary(id, down ? preds : dag)]));
      l.sort((a, c) => b.get(a) - b.get(c));
      l.forEach((id, i) => index.set(id, i));
    }
  }

  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const pos = new Map();
  layers.forEach((l, li) => {
    l.forEach((id, i) => {
      pos.set(id, { x: li * colGap, y: (i - (l.length - 1) / 2) * rowGap, layer: li });
    });
  });
  return { pos, width: (nlayers - 1) * colGap, height: (tallest - 1) * rowGap, colGap, rowGap };
}
