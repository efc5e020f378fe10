#!/usr/bin/env node
// Renders one block component of a built mini-program with miniprogram-simulate and prints what a
// user would see as JSON on stdout. Used by tests/test_render_simulate.py; handy by hand too:
//
//   node render.js <miniprogram-dir> <component-path> <props.json | page:PAGE_PATH#INDEX>
//                  [--action submit|tap-cards] [--values values.json] [--respond 200|500|fail|none]
//                  [--query SELECTOR]... [--compiler official|simulate]
//   node render.js --batch cases.json
//
// <component-path> is relative to <miniprogram-dir>, without extension (components/block-form/index).
// The props file holds the component's properties ({"block": {...}}); `page:pages/home/index#2` takes
// them from block 2 of the built page's own `data.blocks` instead (what the page really passes).
//
// --action submit (form block): fills every field with a valid value the way a user does (input/change
// events), applies --values overrides on top (a JSON object; null leaves that field empty), taps
// `.submit-button`, snapshots the tree while the request is still pending, then answers the stubbed
// wx.request (--respond: a status code, `fail` for a network failure, `none` to leave it pending) and
// snapshots again.
//
// --batch reads {"cases": [{name, root, component, props | propsFile | page: {path, index}, action,
// values, respond, queries, compiler}]} and prints {"results": {name: result}}: one node process for
// many cases. A case that throws reports {"error": stack} without stopping the others.
//
// Every wx.* call is recorded in `wx` (name and arguments); console output goes to stderr and lands in
// `console`; errors thrown inside component code (reported by exparser through console.error) land in
// `errors`, so a test can require it to be empty.

'use strict';

const fs = require('fs');
const path = require('path');

const { callback, consoleLines, errors, installWx, safeJson } = require('./setup.js');

const simulate = require('miniprogram-simulate');

const DEFAULT_QUERIES = [
  '.section-title', '.section-more',
  '.product-card', '.product-name', '.product-price', '.original-price', '.sold-out', '.tag',
  '.field', '.field-label', '.field-input', '.field-error', '.submit-button', '.form-done', '.form-done-text',
  '.form-failed',
];


// --- wx mock ---------------------------------------------------------------------------------------

const wxLog = [];
let pendingRequests = [];

function record(name, args) {
  wxLog.push({ api: name, args: JSON.parse(safeJson(args) || 'null') });
}

const stubs = {
  request(options) {
    record('request', [options]);
    const task = { options, settled: false, aborted: false };
    pendingRequests.push(task);
    return {
      abort() {
        task.aborted = true;
      },
      onHeadersReceived() {},
      offHeadersReceived() {},
    };
  },
};
for (const name of ['showToast', 'hideToast', 'showLoading', 'hideLoading', 'showModal', 'showActionSheet',
  'navigateTo', 'redirectTo', 'switchTab', 'reLaunch', 'navigateBack', 'makePhoneCall', 'setClipboardData',
  'openLocation', 'previewImage', 'vibrateShort', 'setNavigationBarTitle', 'pageScrollTo',
  'openCustomerServiceChat']) {
  stubs[name] = (options) => {
    record(name, [options]);
    callback(options, 'success', { errMsg: `${name}:ok` });
  };
}

installWx(stubs, record);

function respondAll(respond) {
  const open = pendingRequests.filter((t) => !t.settled && !t.aborted);
  for (const task of open) {
    task.settled = true;
    if (respond === 'fail') {
      callback(task.options, 'fail', { errMsg: 'request:fail stubbed network error' });
    } else {
      const statusCode = Number(respond);
      callback(task.options, 'success', { statusCode, data: { ok: statusCode < 400 }, header: {}, errMsg: 'request:ok' });
    }
  }
  return open.length;
}

// --- loading and inspecting ------------------------------------------------------------------------

function pageBlock(root, pagePath, index) {
  let definition = null;
  const previous = global.Page;
  global.Page = (def) => {
    definition = def;
  };
  const file = path.resolve(root, `${pagePath}.js`);
  try {
    require(file);
  } finally {
    delete require.cache[require.resolve(file)];
    global.Page = previous;
  }
  if (!definition) throw new Error(`${pagePath}.js did not call Page()`);
  const blocks = (definition.data || {}).blocks || [];
  if (!(index in blocks)) throw new Error(`${pagePath} has ${blocks.length} blocks, no block ${index}`);
  return { block: blocks[index] };
}

function readProps(root, spec) {
  const match = /^page:(.+)#(\d+)$/.exec(spec);
  if (match) return pageBlock(root, match[1], Number(match[2]));
  return JSON.parse(fs.readFileSync(spec, 'utf8'));
}

const settle = async () => {
  // j-component delivers events in a microtask; setData callbacks and chained handlers need a few turns.
  for (let i = 0; i < 3; i++) await simulate.sleep(0);
};

function describe(node) {
  const json = node.toJSON() || {};
  const attrs = {};
  let cls = '';
  for (const attr of json.attrs || []) {
    if (attr.name === 'class') cls = String(attr.value);
    else attrs[attr.name] = attr.value;
  }
  return { text: node.dom.textContent, class: cls, attrs };
}

function tagNames(dom) {
  const tags = new Set();
  for (const el of dom.querySelectorAll('*')) tags.add(el.tagName.toLowerCase());
  return [...tags].sort();
}

function snapshot(comp, queries) {
  const result = {
    text: comp.dom.textContent,
    html: comp.dom.innerHTML,
    tags: tagNames(comp.dom),
    queries: {},
    state: {},
  };
  for (const selector of queries) {
    result.queries[selector] = comp.querySelectorAll(selector).map(describe);
  }
  for (const [key, value] of Object.entries(comp.data || {})) {
    if (key !== 'block') result.state[key] = JSON.parse(safeJson(value) || 'null');
  }
  return result;
}

function validValue(field) {
  let value;
  switch (field.type) {
    case 'tel': value = '13800138000'; break;
    case 'email': value = 'test@example.com'; break;
    case 'number': value = '42'; break;
    case 'date': value = '2025-01-31'; break;
    case 'select': value = (field.options || [])[0]; break;
    default: value = `test ${field.name}`;
  }
  if (typeof value === 'string' && field.maxLength) value = value.slice(0, field.maxLength);
  return value;
}

// Fills the form as a user would: one event per field on its `.field-input` (input/textarea: `input`;
// date picker: `change` with the date; select picker: `change` with the option index).
async function fill(comp, fields, overrides) {
  const inputs = comp.querySelectorAll('.field-input');
  if (inputs.length !== fields.length) {
    throw new Error(`form renders ${inputs.length} .field-input elements for ${fields.length} fields`);
  }
  const filled = {};
  fields.forEach((field, i) => {
    const value = Object.prototype.hasOwnProperty.call(overrides, field.name) ? overrides[field.name] : validValue(field);
    if (value === null || value === undefined) return;
    filled[field.name] = value;
    if (field.type === 'select') {
      const index = field.options.indexOf(value);
      if (index < 0) throw new Error(`${field.name}: ${JSON.stringify(value)} is not one of its options`);
      inputs[i].dispatchEvent('change', { detail: { value: String(index) } });
    } else if (field.type === 'date') {
      inputs[i].dispatchEvent('change', { detail: { value } });
    } else {
      inputs[i].dispatchEvent('input', { detail: { value, cursor: String(value).length } });
    }
  });
  await settle();
  return filled;
}

async function runCase(c) {
  const root = path.resolve(c.root);
  const componentPath = path.join(root, c.component);
  const props = c.props || readProps(root, c.propsFile || `page:${c.page.path}#${c.page.index}`);
  const queries = [...DEFAULT_QUERIES, ...(c.queries || []).filter((q) => !DEFAULT_QUERIES.includes(q))];

  wxLog.length = 0;
  pendingRequests = [];
  consoleLines.length = 0;
  errors.length = 0;

  const id = simulate.load(componentPath, { rootPath: root, compiler: c.compiler || 'official' });
  const comp = simulate.render(id, props);
  const parent = document.createElement('parent-wrapper');
  document.body.appendChild(parent);
  comp.attach(parent); // also runs attached/ready
  await settle();

  const result = { component: c.component, props, ...snapshot(comp, queries) };

  if (c.action === 'submit') {
    const fields = (props.block && props.block.fields) || [];
    const filled = await fill(comp, fields, c.values || {});
    const button = comp.querySelector('.submit-button');
    if (!button) throw new Error('no .submit-button to tap');
    button.dispatchEvent('tap');
    await settle();
    const submit = { filled, afterTap: snapshot(comp, queries), requests: [], afterResponse: null };
    submit.requests = pendingRequests.map((t) => JSON.parse(safeJson({
      url: t.options.url, method: t.options.method || 'GET', data: t.options.data, header: t.options.header || {},
    })));
    const respond = c.respond === undefined ? 200 : c.respond;
    if (respond !== 'none' && respondAll(respond)) {
      await settle();
      submit.afterResponse = snapshot(comp, queries);
    }
    result.submit = submit;
  } else if (c.action === 'tap-contact') {
    // taps the customer-service button; the wx log then holds what it opened (open-type="contact" needs
    // no tap handler, so nothing is logged for it)
    const button = comp.querySelector('.contact-button');
    if (!button) throw new Error('no .contact-button to tap');
    button.dispatchEvent('tap');
    await settle();
  } else if (c.action === 'tap-cards') {
    // taps every product card in turn; the wx log then holds where each one navigated
    comp.querySelectorAll('.product-card').forEach((card) => card.dispatchEvent('tap'));
    await settle();
  } else if (c.action) {
    throw new Error(`unknown action ${JSON.stringify(c.action)}`);
  }

  comp.detach();
  parent.remove();
  result.wx = wxLog.slice();
  result.console = consoleLines.slice();
  result.errors = errors.slice();
  return result;
}

function usage(message) {
  process.stderr.write(`${message}\nusage: node render.js <miniprogram-dir> <component-path> <props.json | page:PAGE#INDEX> `
    + '[--action submit] [--values values.json] [--respond 200|500|fail|none] [--query SELECTOR]... '
    + '[--compiler official|simulate]\n       node render.js --batch cases.json\n');
  process.exit(2);
}

function parseArgs(argv) {
  if (argv[0] === '--batch') {
    if (argv.length !== 2) usage('--batch takes one file');
    return { batch: JSON.parse(fs.readFileSync(argv[1], 'utf8')) };
  }
  const positional = [];
  const c = { queries: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--action') c.action = next();
    else if (arg === '--values') c.values = JSON.parse(fs.readFileSync(next(), 'utf8'));
    else if (arg === '--respond') c.respond = next();
    else if (arg === '--query') c.queries.push(next());
    else if (arg === '--compiler') c.compiler = next();
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 3) usage('expected 3 arguments');
  [c.root, c.component, c.propsFile] = positional;
  return { single: c };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.single) {
    const result = await runCase(args.single);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const results = {};
  for (const [i, c] of (args.batch.cases || []).entries()) {
    const name = c.name || String(i);
    try {
      results[name] = await runCase(c);
    } catch (err) {
      results[name] = { error: err && err.stack ? err.stack : String(err), console: consoleLines.slice() };
    }
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
