#!/usr/bin/env node
// Renders pages of a built mini-program the way WeChat lays them out, for `gen preview`: each page is
// loaded with npm miniprogram-simulate (WeChat's own WXML compiler, exparser, a jsdom tree), given its
// query and lifecycle (onLoad, onShow, ready), and serialised as HTML with its WXSS converted to CSS.
// generator/preview_miniprogram.py wraps the result in a phone (navigation bar, tab bar) and WeChat's
// built-in component styles, and Chromium photographs it. The page code is the site's: Python runs this
// in node's permission sandbox (read the package and the npm packages, write the result, nothing else).
//
//   node render.js compiled-wxml.js < job.json
//
// job: {"root": "/abs/miniprogram", "output": "/tmp/scratch/result.json", "width": 375,
//       "imageBase": "file:///abs/miniprogram/", "productPage": "catalog/product/index",
//       "pages": [{"name": "...", "path": "catalog/cart/index", "query": {}, "cart": "tea"}]}
// result: {"results": {name: {"html", "css", "title", "errors": [...]}}}, or {"error"} for one page.
//
// The page's wx.request calls stay pending (a preview talks to no backend), but for a catalog the page
// fetches (job.catalog: {base, folder}): GETs below its base are answered from the built folder.
// Storage starts empty, or,
// when the page has "cart": a product id, holds that product as the product page adds it to the cart.

'use strict';

const fs = require('fs');
const path = require('path');

require('global-jsdom')();
// global-jsdom leaves alone the globals node already has; j-component dispatches jsdom CustomEvents.
for (const name of ['Event', 'CustomEvent', 'EventTarget']) global[name] = window[name];

const errors = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const line = args.map((a) => (a instanceof Error ? a.stack : typeof a === 'string' ? a : String(a))).join(' ');
    if (level === 'error') errors.push(line);
    process.stderr.write(`[${level}] ${line}\n`);
  };
}

// WXML compiled beforehand by compile.js (wcc is a binary, and this process may not start one).
if (process.argv[2]) {
  const compiled = fs.readFileSync(process.argv[2], 'utf8');
  require('miniprogram-compiler').wxmlToJs = () => compiled;
}

const jComponent = require('j-component');
const jUtils = require('j-component/src/tool/utils');
const simulate = require('miniprogram-simulate');
const simulateUtils = require('miniprogram-simulate/src/utils');
const simulateWxss = require('miniprogram-simulate/src/wxss');
const postcss = require('postcss');

let WIDTH = 375;

// --- WXSS -> CSS -------------------------------------------------------------------------------------

// 750rpx is the screen width. WeChat rounds to device pixels and shows a non-zero rpx as at least one.
function rpx(text) {
  return text.replace(/(-?\d*\.?\d+)rpx\b/gi, (all, number) => {
    const value = Number(number) * WIDTH / 750;
    if (value === 0) return '0';
    const px = Math.round(value * 2) / 2;
    return `${Math.abs(px) < 0.5 ? Math.sign(value) * 0.5 : px}px`;
  });
}
simulateUtils.transformRpx = rpx;
jUtils.transformRpx = (style) => rpx(style);

// WeChat's components are <wx-TAG> elements in its web view; WXSS names them by their WXML tag.
const WECHAT_TAGS = ['view', 'text', 'button', 'image', 'input', 'textarea', 'picker', 'picker-view',
  'picker-view-column', 'swiper', 'swiper-item', 'scroll-view', 'navigator', 'icon', 'rich-text', 'progress',
  'checkbox', 'checkbox-group', 'radio', 'radio-group', 'switch', 'slider', 'form', 'label', 'video', 'map',
  'canvas', 'web-view', 'cover-view', 'cover-image', 'movable-area', 'movable-view'];
const TAG_RE = new RegExp(`(^|[\\s>+~,(])(${WECHAT_TAGS.join('|')})(?![-\\w])`, 'g');

function convertSelector(selector, host) {
  return selector
    .replace(/:host(\(([^)]*)\))?/g, (all, _, inner) => (inner ? `${host}${inner}` : host))
    .replace(TAG_RE, (all, before, tag) => `${before}wx-${tag}`);
}

const wxssFiles = new Map();
function readWxss(file) {
  if (!wxssFiles.has(file)) wxssFiles.set(file, fs.existsSync(file) ? simulateWxss.getContent(file) : '');
  return wxssFiles.get(file);
}

// One stylesheet scoped like miniprogram-simulate scopes the DOM: classes get the `prefix--` of the
// component they are written in; tag selectors become wx- elements; rpx becomes px.
function scopedCss(wxss, prefix, host) {
  if (!wxss.trim()) return '';
  const prefixed = simulateWxss.compile(wxss, { prefix });
  const root = postcss.parse(prefixed);
  root.walkRules((rule) => {
    rule.selectors = rule.selectors.map((s) => convertSelector(s, host));
  });
  root.walkDecls((decl) => {
    decl.value = rpx(decl.value);
  });
  return root.toString();
}

// --- built-in components -----------------------------------------------------------------------------

// miniprogram-simulate's built-ins are bare slots and drop every attribute. These keep the ones that
// change how a component looks, as data- attributes of a marker that finishBuiltins() turns back into
// attributes of the <wx-TAG> element (and into the image, text or dots WeChat draws inside it).
const BUILTIN_PROPS = {
  image: ['src', 'mode'],
  button: ['type', 'size', 'plain', 'disabled', 'loading'],
  input: ['value', 'placeholder', 'type', 'password', 'disabled'],
  textarea: ['value', 'placeholder', 'disabled'],
  picker: ['disabled'],
  icon: ['type', 'size', 'color'],
  swiper: ['indicatorDots', 'indicatorColor', 'indicatorActiveColor', 'current'],
  'scroll-view': ['scrollX', 'scrollY'],
  'web-view': ['src'],
  navigator: ['url'],
};
const dash = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
for (const [tag, props] of Object.entries(BUILTIN_PROPS)) {
  const properties = {};
  for (const prop of props) properties[prop] = { type: null, value: null };
  const marks = props.map((prop) => `data-${dash(prop)}="{{${prop}}}"`).join(' ');
  jComponent.register({ id: tag, tagName: `wx-${tag}`, properties, template: `<span data-mp-builtin ${marks}></span><slot/>` });
}

const BOOLEAN_ATTRS = new Set(['plain', 'disabled', 'loading', 'password', 'indicator-dots', 'scroll-x', 'scroll-y']);

function assetUrl(src, pagePath, imageBase) {
  if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src)) return src; // https:, data:, wxfile: stay as they are
  const inPackage = src.startsWith('/') ? src.slice(1) : path.posix.join(path.posix.dirname(pagePath), src);
  return imageBase + path.posix.normalize(inPackage);
}

function finishBuiltins(container, pagePath, imageBase) {
  for (const mark of [...container.querySelectorAll('span[data-mp-builtin]')]) {
    const host = mark.parentElement;
    for (const attr of [...mark.attributes]) {
      if (!attr.name.startsWith('data-') || attr.name === 'data-mp-builtin') continue;
      const name = attr.name.slice(5);
      const value = attr.value;
      if (BOOLEAN_ATTRS.has(name)) {
        if (value === 'true' || value === '') host.setAttribute(name, '');
      } else if (value !== '' && value !== 'null' && value !== 'undefined') {
        host.setAttribute(name, value);
      }
    }
    mark.remove();
    const tag = host.tagName.toLowerCase();
    if (tag === 'wx-image') {
      const img = document.createElement('img');
      const src = assetUrl(host.getAttribute('src'), pagePath, imageBase);
      if (src) img.setAttribute('src', src);
      img.setAttribute('alt', '');
      host.appendChild(img);
    } else if (tag === 'wx-input' || tag === 'wx-textarea') {
      const value = host.getAttribute('value');
      const shown = document.createElement('div');
      if (value) {
        shown.className = 'wx-input-value';
        shown.textContent = host.getAttribute('password') !== null ? '•'.repeat(value.length) : value;
      } else {
        shown.className = 'wx-input-placeholder';
        shown.textContent = host.getAttribute('placeholder') || '';
      }
      host.appendChild(shown);
    } else if (tag === 'wx-swiper' && host.getAttribute('indicator-dots') !== null) {
      const items = host.querySelectorAll(':scope > wx-swiper-item').length;
      const dots = document.createElement('div');
      dots.className = 'wx-swiper-dots';
      for (let i = 0; i < items; i++) {
        const dot = document.createElement('div');
        const active = i === Number(host.getAttribute('current') || 0);
        dot.className = active ? 'wx-swiper-dot wx-swiper-dot-active' : 'wx-swiper-dot';
        const color = host.getAttribute(active ? 'indicator-active-color' : 'indicator-color');
        if (color) dot.style.background = color;
        dots.appendChild(dot);
      }
      host.appendChild(dots);
    } else if (tag === 'wx-icon') {
      const size = Number(host.getAttribute('size')) || 23;
      host.style.width = `${size}px`;
      host.style.height = `${size}px`;
      host.style.setProperty('--wx-icon-size', `${size}px`);
      if (host.getAttribute('color')) host.style.setProperty('--wx-icon-color', host.getAttribute('color'));
    }
  }
}

// --- the WeChat runtime a page expects ---------------------------------------------------------------

let titles = [];
const storage = new Map();
const quiet = (options, result) => {
  if (!options) return;
  if (typeof options.success === 'function') options.success(result);
  if (typeof options.complete === 'function') options.complete(result);
};
// A GET of the fetched catalog, answered from the build's folder (never outside it), or null.
let catalogJob = null;
const url_of = (folder) => require('url').pathToFileURL(folder).href;
function catalogFile(url) {
  const catalog = catalogJob;
  if (!catalog || typeof url !== 'string' || url.indexOf(catalog.base) !== 0) return null;
  const rel = url.slice(catalog.base.length).split('?')[0];
  const file = path.resolve(catalog.folder, rel);
  if (!file.startsWith(catalog.folder + path.sep) || !fs.existsSync(file)) {
    return { statusCode: 404, data: { error: 'not_found' }, header: {}, errMsg: 'request:ok' };
  }
  // its photos (below the same base, with a backend serving it) are shown from the folder too
  const text = fs.readFileSync(file, 'utf8').split(catalog.base).join(url_of(catalog.folder) + '/');
  return { statusCode: 200, data: JSON.parse(text), header: {}, errMsg: 'request:ok' };
}
const base = global.wx;
const stubs = {
  setNavigationBarTitle(options) {
    titles.push(String((options && options.title) || ''));
    quiet(options, { errMsg: 'setNavigationBarTitle:ok' });
  },
  request(options) {
    const answer = catalogFile(options && options.url);
    if (answer) Promise.resolve().then(() => quiet(options, answer)); // answered, as WeChat does, later
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  },
  getStorageSync: (key) => (storage.has(key) ? JSON.parse(storage.get(key)) : ''),
  setStorageSync: (key, value) => storage.set(key, JSON.stringify(value)),
  removeStorageSync: (key) => storage.delete(key),
  getSystemInfoSync: () => ({ windowWidth: WIDTH, screenWidth: WIDTH, pixelRatio: 2, platform: 'ios', theme: 'light' }),
  getWindowInfo: () => ({ windowWidth: WIDTH, screenWidth: WIDTH, pixelRatio: 2 }),
  login: () => {}, // pending, like every backend call
  requestPayment: () => {},
  reportEvent: () => {},
  getPrivacySetting: () => {},
};
global.wx = new Proxy(base, {
  get(target, name) {
    if (Object.prototype.hasOwnProperty.call(stubs, name)) return stubs[name];
    const value = target[name];
    return typeof value === 'function' ? (...args) => { try { return value.apply(target, args); } catch (e) { return undefined; } } : value;
  },
});

let app = { globalData: {} };
let currentPage = null;
global.getApp = () => app;
global.getCurrentPages = () => (currentPage ? [currentPage] : []);

// Page() as a top-level component (miniprogram-simulate renders components only): its functions become
// methods, its other keys data or instance fields, and the harness calls the page lifecycle itself.
global.Page = (options) => {
  const methods = {};
  const fields = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'data') continue;
    if (typeof value === 'function') methods[key] = value;
    else fields[key] = value;
  }
  global.Component({ data: options.data || {}, methods, lifetimes: { created() { Object.assign(this, fields); } } });
};

// Which components a page loads, with the tag they are used under and their style isolation.
let registered = [];
const register = jComponent.register;
jComponent.register = (definition) => {
  if (definition && definition.path) {
    const options = definition.options || {};
    registered.push({
      path: definition.path,
      tagName: definition.tagName,
      shared: Boolean(options.addGlobalClass) || ['apply-shared', 'shared'].includes(options.styleIsolation),
    });
  }
  return register(definition);
};

function loadApp(root) {
  const file = path.join(root, 'app.js');
  if (!fs.existsSync(file)) return;
  global.App = (definition) => {
    app = definition;
    if (!app.globalData) app.globalData = {};
  };
  require(file);
  try {
    if (typeof app.onLaunch === 'function') app.onLaunch({ path: '', query: {}, scene: 1001 });
  } catch (err) {
    errors.push(`app.js onLaunch: ${err && err.stack ? err.stack : err}`);
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await simulate.sleep(0);
};

function mount(root, pagePath) {
  const file = path.join(root, pagePath);
  const id = simulate.load(file, { rootPath: root, compiler: 'official' });
  const comp = simulate.render(id, {});
  const parent = document.createElement('parent-wrapper');
  document.body.appendChild(parent);
  comp.attach(parent);
  return { comp, parent, file };
}

// A line in the cart the way a shopper puts it there: the product page, its first option values,
// 加入购物车. Whatever modules the pages use for the cart, they then find it in storage.
async function fillCart(root, productPage, productId) {
  const { comp, parent } = mount(root, productPage);
  const page = comp.instance;
  page.onLoad({ id: productId });
  await settle();
  const product = page.data.product;
  if (!product) throw new Error(`${productPage} has no product ${productId}`);
  (product.options || []).forEach((option, index) => {
    page.onChoose({ currentTarget: { dataset: { option: index, value: option.values[0] } } });
  });
  page.onAddToCart();
  await settle();
  comp.detach();
  parent.remove();
}

async function renderPage(root, job, page) {
  storage.clear();
  if (page.cart && job.productPage) {
    try {
      await fillCart(root, job.productPage, page.cart);
    } catch (err) {
      errors.push(`putting ${page.cart} in the cart: ${err && err.stack ? err.stack : err}`);
    }
  }
  registered = [];
  titles = [];
  const { comp, parent, file } = mount(root, page.path);
  currentPage = comp.instance;
  if (currentPage) currentPage.route = page.path;
  const call = (name, ...args) => {
    if (currentPage && typeof currentPage[name] === 'function') {
      try {
        currentPage[name](...args);
      } catch (err) {
        errors.push(`${page.path} ${name}: ${err && err.stack ? err.stack : err}`);
      }
    }
  };
  call('onLoad', Object.assign({}, page.query || {}));
  call('onShow');
  comp.triggerPageLifeTime('show');
  call('onReady');
  await settle();

  const mainEl = parent.firstElementChild;
  finishBuiltins(mainEl, page.path, job.imageBase || '');
  const html = mainEl.innerHTML;

  // app.wxss and the page's WXSS reach the page and every component that shares global styles;
  // a component's own WXSS only itself.
  const pageEntry = registered.find((r) => r.path === file) || { path: file, tagName: 'main' };
  const components = registered.filter((r) => r !== pageEntry);
  const appWxss = readWxss(path.join(root, 'app.wxss'));
  const pageWxss = readWxss(`${file}.wxss`);
  const css = [];
  for (const target of [pageEntry, ...components.filter((c) => c.shared)]) {
    const host = target === pageEntry ? 'page' : target.tagName;
    css.push(scopedCss(appWxss, target.tagName, host), scopedCss(pageWxss, target.tagName, host));
  }
  for (const c of components) css.push(scopedCss(readWxss(`${c.path}.wxss`), c.tagName, c.tagName));

  comp.detach();
  parent.remove();
  currentPage = null;
  const problems = errors.splice(0); // the first page also reports what went wrong in app.js
  return { html, css: css.filter(Boolean).join('\n'), title: titles.length ? titles[titles.length - 1] : null,
    errors: problems };
}

async function main() {
  const job = JSON.parse(fs.readFileSync(0, 'utf8'));
  WIDTH = job.width || 375;
  catalogJob = job.catalog || null;
  const root = path.resolve(job.root);
  loadApp(root);
  const results = {};
  for (const page of job.pages) {
    try {
      results[page.name] = await renderPage(root, job, page);
    } catch (err) {
      results[page.name] = { error: err && err.stack ? err.stack : String(err), errors: errors.splice(0) };
    }
  }
  fs.writeFileSync(job.output, JSON.stringify({ results })); // a file: exit() would cut a piped stdout
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
