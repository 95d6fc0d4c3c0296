// The page of `lmstream web`: loads the model with the browser module
// (./lmstream.js) — an export from ./model/, or an n-gram model (ARPA or
// binary) from ./model/ngram, as ./page.json says — and generates as soon as
// it opens. Settings
// come from the form, which starts from the URL (?prompt=&temperature=&top_p=
// &top_k=&seed=&max_tokens=). State for tests and scripts: body[data-state]
// (loading | generating | done | error) and window.lmstreamRun.
import { loadExport, loadNgram, curveSvg } from './lmstream.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['prompt', 'temperature', 'top_p', 'top_k', 'seed', 'max_tokens'];
let model;
let current; // the running generation
let runId = 0;

function setState(s, msg = '') {
  document.body.dataset.state = s;
  $('status').textContent = msg;
  $('status').className = s === 'error' ? 'error' : '';
}

// a macrotask without the 4 ms clamp of nested timeouts: lets the page paint between slices
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToPage = () => new Promise((r) => { waiting.push(r); channel.port2.postMessage(0); });

function settings() {
  const n = (id, d) => { const v = $(id).value.trim(); return v === '' ? d : Number(v); };
  return {
    prompt: $('prompt').value,
    temperature: n('temperature', 1),
    topP: n('top_p', 1),
    topK: n('top_k', 0),
    seed: n('seed', 0),
    maxTokens: n('max_tokens', 200),
  };
}

async function run() {
  const id = ++runId;
  current?.stop();
  const s = settings();
  const url = new URL(location.href);
  for (const f of FIELDS) url.searchParams.set(f, $(f).value);
  history.replaceState(null, '', url);
  let g;
  try {
    g = model.generate(s);
  } catch (e) {
    setState('error', String(e.message ?? e));
    return;
  }
  current = g;
  const out = $('output');
  out.textContent = '';
  if (g.echo) {
    const p = document.createElement('span');
    p.className = 'prompt';
    p.textContent = g.echo;
    out.append(p);
  }
  const text = document.createTextNode('');
  out.append(text);
  setState('generating', 'generating…');
  const t0 = performance.now();
  let buf = '';
  try {
    for (;;) {
      const sliceEnd = performance.now() + 12;
      let c;
      while ((c = g.next()) !== null) {
        buf += c.text;
        if (performance.now() > sliceEnd) break;
      }
      text.appendData(buf);
      buf = '';
      if (c === null) break;
      $('status').textContent = `${g.count} tokens…`;
      await yieldToPage();
      if (id !== runId) return; // a newer run took over
    }
  } catch (e) {
    setState('error', String(e.message ?? e));
    return;
  }
  if (id !== runId) return;
  const ms = performance.now() - t0;
  const tps = g.count / (ms / 1000);
  window.lmstreamRun = { text: (g.echo ?? '') + text.data, tokens: g.count, ms, tokensPerSec: tps, stopReason: g.stopReason, settings: s, products: model.products };
  setState('done', `${g.count} tokens in ${ms.toFixed(0)} ms (${tps.toFixed(0)} tokens/s), ended by ${g.stopReason ?? 'stop'}; seed ${s.seed}`);
}

function details(rows) {
  $('details').replaceChildren(...rows.map(([k, v]) => {
    const tr = document.createElement('tr');
    for (const x of [k, v]) { const td = document.createElement('td'); td.textContent = x; tr.append(td); }
    return tr;
  }));
}

function showModel(m) {
  const c = m.meta.config;
  const size = c.arch === 'mlp' ? `order ${c.order}, E=${c.embed}, H=${c.hidden}` : `${c.layers}×H=${c.hidden}, E=${c.embed}`;
  $('model').textContent = `${c.arch} (${size}), ${m.meta.level} level, V=${c.vocabSize}`;
  details([['architecture', c.arch], ['size', size], ['softmax', c.softmax], ['vocabulary', `${c.vocabSize} ${m.meta.level === 'char' ? 'characters' : 'words'}`],
    ['tokenizer', m.meta.tokenizer], ['mode', m.meta.mode],
    ['runs on', m.products === 'wasm' ? 'WebAssembly SIMD' : 'JavaScript (no wasm SIMD here: slower)']]);
  // our own SVG text, from numbers only (labels escaped)
  $('curve').innerHTML = curveSvg(m.curve ?? { train: [], valid: [] }, 480, 200);
}

function showNgram(m, page) {
  const lm = m.source.model;
  $('model').textContent = `${lm.order}-gram, word level, V=${m.source.tokens.length}`;
  details([['model', `${lm.order}-gram (${page.name})`], ['vocabulary', `${m.source.tokens.length} words`], ['mode', page.mode]]);
  $('curve').closest('.panel').hidden = true; // an n-gram model has no training curve
}

async function start() {
  const q = new URLSearchParams(location.search);
  for (const f of FIELDS) if (q.has(f)) $(f).value = q.get(f);
  if ($('seed').value.trim() === '') $('seed').value = String(Math.floor(Math.random() * 2 ** 32));
  let page;
  try {
    page = await (await fetch(new URL('page.json', location.href))).json();
    model = page.model === 'ngram'
      ? await loadNgram(new URL('model/ngram', location.href).href, { mode: page.mode })
      : await loadExport(new URL('model/', location.href).href);
  } catch (e) {
    $('model').textContent = 'no model';
    setState('error', `could not load the model: ${e.message ?? e}`);
    return;
  }
  if (page.model === 'ngram') showNgram(model, page);
  else showModel(model);
  // part of loading: the engine compiles the network's code on a scratch state
  // (no random numbers drawn: the text is unchanged), not during the first tokens
  model.warmUp();
  $('controls').addEventListener('submit', (e) => { e.preventDefault(); void run(); });
  $('stop').addEventListener('click', () => { runId++; current?.stop(); setState('done', 'stopped'); });
  await run();
}

void start();
