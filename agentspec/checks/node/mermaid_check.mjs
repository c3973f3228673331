// Parse mermaid diagrams with the real mermaid v11 parser.
//
// stdin:  a JSON array of diagram texts.
// stdout: a JSON array, one entry per diagram, in the same order:
//           {"ok": true,  "type": "flowchart-v2"}
//           {"ok": false, "error": "Parse error on line 3: ...", "line": 3}
//         "line" is 1-based within the diagram text, or null when the parser
//         gave no position.
//
// One process checks all diagrams of a spec because loading mermaid takes
// about two seconds. mermaid needs a DOM even to parse (DOMPurify, d3), and
// @mermaid-js/parser alone does not cover flowchart or erDiagram yet, so we
// run the full package under a jsdom window.

import { JSDOM } from 'jsdom';

// Anything mermaid (or its dependencies) logs must not corrupt the JSON we
// print, so every console method writes to stderr.
for (const method of ['log', 'info', 'warn', 'debug', 'trace']) {
  console[method] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}

const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, logLevel: 'fatal' });

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

// Jison parsers say "Parse error on line N:", langium-based ones (pie, info,
// packet, architecture...) say "Parse error on line N, column M:".
function errorLine(err) {
  const loc = err && err.hash && err.hash.loc;
  const match = /line (\d+)/.exec(String((err && err.message) || err));
  if (match) return Number(match[1]);
  if (loc && Number.isInteger(loc.first_line)) return loc.first_line;
  return null;
}

async function check(text) {
  try {
    const result = await mermaid.parse(text);
    return { ok: true, type: result && result.diagramType ? result.diagramType : null };
  } catch (err) {
    const message = String((err && err.message) || err).trim();
    return { ok: false, error: message, line: errorLine(err) };
  }
}

const input = JSON.parse(await readStdin());
if (!Array.isArray(input)) {
  process.stderr.write('mermaid_check: expected a JSON array of strings on stdin\n');
  process.exit(2);
}
const results = [];
for (const text of input) results.push(await check(String(text)));
process.stdout.write(JSON.stringify(results) + '\n');
// jsdom keeps timers alive; we are done.
process.exit(0);
