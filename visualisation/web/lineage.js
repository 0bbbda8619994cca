// The interactive lineage of a run: Cytoscape.js, laid out in layers left to right in time (by
// Graphviz, on the server), in PROV's conventions. The page embeds everything it shows as JSON.
(function () {
  'use strict';

  const data = JSON.parse(document.getElementById('lineage-data').textContent);
  const colours = {
    entity: { shape: 'ellipse', fill: '#FFFC87', stroke: '#808080' },
    activity: { shape: 'rectangle', fill: '#9FB1FC', stroke: '#0000FF' },
    agent: { shape: 'pentagon', fill: '#FED37F', stroke: '#000000' },
  };
  const typeOf = new Map(data.nodes.map((n) => [n.id, n.type]));

  const elements = [];
  for (const node of data.nodes) {
    elements.push({ group: 'nodes', data: { id: node.id, label: node.label, kind: node.kind, type: node.type } });
  }
  data.relations.forEach((rel, index) => {
    // PROV points from the newer thing to what it depends on; lay edges out from the older end so
    // that time runs left to right, and draw the arrow back at the newer end, as PROV does.
    elements.push({
      group: 'edges',
      data: { id: 'rel-' + index, source: rel.target, target: rel.source, kind: rel.kind, provSource: rel.source },
    });
  });

  // Labels smaller than this on screen cannot be read, so they are not drawn; zoom in to read.
  const READABLE = 5;
  const LARGE = 4000;
  const cy = cytoscape({
    container: document.getElementById('lineage'),
    elements: elements,
    wheelSensitivity: 0.3,
    // A lineage of thousands stays responsive while panning: its edges rest until the view does.
    hideEdgesOnViewport: elements.length > LARGE,
    style: [
      {
        selector: 'node',
        style: {
          label: 'data(label)', 'text-wrap': 'wrap', 'text-max-width': 140, 'font-size': 9,
          'text-valign': 'center', 'text-halign': 'center', width: 150, height: 42,
          'border-width': 1, 'min-zoomed-font-size': READABLE,
        },
      },
      ...Object.entries(colours).map(([kind, c]) => ({
        selector: 'node[kind = "' + kind + '"]',
        style: { shape: c.shape, 'background-color': c.fill, 'border-color': c.stroke },
      })),
      { selector: 'node[id = "' + data.focus.replace(/"/g, '\\"') + '"]', style: { 'border-width': 4 } },
      {
        selector: 'edge',
        style: {
          label: 'data(kind)', 'font-size': 7, 'curve-style': 'bezier', width: 1,
          'line-color': '#888', 'source-arrow-color': '#888', 'source-arrow-shape': 'triangle',
          'target-arrow-shape': 'none', 'text-rotation': 'autorotate', color: '#444',
          'min-zoomed-font-size': READABLE,
        },
      },
      { selector: '.faded', style: { opacity: 0.15 } },
      { selector: 'node.highlighted', style: { 'border-width': 4, 'border-color': '#d62728', opacity: 1 } },
      { selector: 'edge.highlighted', style: { width: 3, 'line-color': '#d62728', 'source-arrow-color': '#d62728', opacity: 1 } },
      { selector: 'node.invalid', style: { 'border-color': '#000', 'border-style': 'dashed', 'background-color': '#ff9896' } },
      { selector: 'edge.invalid', style: { 'line-style': 'dashed', 'line-color': '#000', width: 3 } },
      { selector: ':selected', style: { 'overlay-opacity': 0.15, 'overlay-color': '#d62728' } },
    ],
    // Graphviz's layered layout, computed by the server: time runs left to right.
    layout: {
      name: 'preset',
      positions: (node) => ({ x: data.positions[node.id()][0], y: data.positions[node.id()][1] }),
      fit: true,
      padding: 20,
    },
  });

  const details = document.getElementById('details');
  const status = document.getElementById('highlight-status');

  function show(node) {
    const found = data.nodes.find((n) => n.id === node.id());
    const rows = Object.entries(found.attributes).map(
      ([name, value]) => '<tr><th>' + escape(short(name)) + '</th><td>' + escape(display(value)) + '</td></tr>',
    );
    details.innerHTML = '<h3>' + escape(found.type) + '</h3><p class="iri">' + escape(found.id) + '</p>' +
      (found.time ? '<p>' + escape(found.time) + '</p>' : '') + '<table>' + rows.join('') + '</table>';
  }

  let asked = null;

  function clear() {
    asked = null;
    cy.elements().removeClass('faded highlighted invalid');
    status.textContent = '';
  }

  // One batch, so that Cytoscape restyles the thousands of elements of a large lineage once.
  function highlight(ids, invalidEdges, message) {
    clear();
    const keep = new Set(ids);
    const invalid = new Set(invalidEdges.map(([from, to]) => from + ' ' + to));
    cy.batch(() => {
      for (const node of cy.nodes()) {
        node.addClass(keep.has(node.id()) ? 'highlighted' : 'faded');
      }
      for (const edge of cy.edges()) {
        const lit = keep.has(edge.data('source')) && keep.has(edge.data('target'));
        edge.addClass(lit ? 'highlighted' : 'faded');
        if (invalid.has(edge.data('provSource') + ' ' + edge.data('source'))) edge.addClass('invalid');
      }
      for (const [, to] of invalidEdges) cy.getElementById(to).addClass('invalid');
    });
    status.textContent = message;
  }

  // The questions a click asks of the service, as of the time the page looks from: each answer
  // holds everything upstream of the node, too much to embed for every node of a large lineage.
  async function ask(path, id) {
    const query = data.as_of ? '?as_of=' + encodeURIComponent(data.as_of) : '';
    const response = await fetch('/' + path[0] + '/' + encodeURIComponent(id) + '/' + path[1] + query);
    if (!response.ok) throw new Error('the service answered ' + response.status);
    return response.json();
  }

  // An output's way back, as trace answers it: every node its lists name.
  async function wayBack(id) {
    const answer = await ask(['outputs', 'trace'], id);
    const nodes = new Set([answer.output]);
    for (const value of Object.values(answer)) {
      if (Array.isArray(value)) for (const item of value) nodes.add(item.id);
    }
    return { nodes: [...nodes], invalid: [] };
  }

  // Who held authority over an action: the action and every holder with the relations that make
  // them one.
  async function authorityOf(id) {
    const answer = await ask(['actions', 'authority'], id);
    const nodes = new Set([id]);
    const invalid = [];
    for (const holder of answer.holders) {
      nodes.add(holder.agent);
      for (const step of holder.path) {
        nodes.add(step.from);
        nodes.add(step.to);
        if (step.valid === false) invalid.push([step.from, step.to]);
      }
    }
    return { nodes: [...nodes], invalid: invalid };
  }

  // Light what the service answers about a node; a later click wins over an earlier answer.
  async function light(id, question, asking, said) {
    asked = id;
    status.textContent = 'asking ' + asking + '…';
    let answer;
    try {
      answer = await question(id);
    } catch (error) {
      if (asked === id) status.textContent = 'could not ask ' + asking + ': ' + error.message;
      return;
    }
    if (asked !== id) return;
    highlight(answer.nodes, answer.invalid, said(answer));
  }

  async function select(id) {
    const node = cy.getElementById(id);
    if (node.empty()) return false;
    clear();
    cy.elements().unselect();
    node.select();
    show(node);
    if (typeOf.get(id) === 'Output') {
      await light(id, wayBack, 'where ' + short(id) + ' came from',
        () => 'path from ' + short(id) + ' back to its inputs and approvers');
    } else if (typeOf.get(id) === 'Action') {
      await light(id, authorityOf, 'who held authority over ' + short(id),
        (answer) => 'who held authority over ' + short(id) +
          (answer.invalid.length ? ' (dashed: delegation not valid then)' : ''));
    }
    return true;
  }

  cy.on('tap', 'node', (event) => select(event.target.id()));
  cy.on('tap', (event) => { if (event.target === cy) clear(); });

  for (const box of document.querySelectorAll('input[data-relation]')) {
    box.addEventListener('change', () => {
      cy.edges('[kind = "' + box.dataset.relation + '"]').style('display', box.checked ? 'element' : 'none');
    });
  }
  document.getElementById('depth').addEventListener('change', (event) => {
    const url = new URL(window.location.href);
    url.searchParams.set('depth', event.target.value);
    window.location.assign(url.toString());
  });
  for (const link of document.querySelectorAll('a[data-node]')) {
    link.addEventListener('click', (event) => { event.preventDefault(); select(link.dataset.node); });
  }

  function short(iri) {
    const cut = Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'));
    return cut >= 0 && cut < iri.length - 1 ? iri.slice(cut + 1) : iri;
  }
  function display(value) {
    if (Array.isArray(value)) return value.map(display).join(', ');
    if (value && typeof value === 'object') return Object.values(value)[0];
    return String(value);
  }
  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  window.raidtLineage = { cy: cy, select: select, clear: clear, ready: true };
})();
