// What both harnesses (render.js, commerce.js) need before loading miniprogram-simulate: a jsdom DOM
// with jsdom's own event classes, and a console that keeps stdout free for the JSON result.
'use strict';

require('global-jsdom')();
// global-jsdom leaves alone the globals node already has; j-component dispatches jsdom CustomEvents on
// jsdom nodes, so these must be jsdom's own.
for (const name of ['Event', 'CustomEvent', 'EventTarget']) global[name] = window[name];

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch (err) {
    return String(value);
  }
}

// Component code may log: lines go to stderr and are kept; errors (exparser reports thrown errors
// through console.error) are kept separately so a test can require none.
const consoleLines = [];
const errors = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const line = args.map((a) => (a instanceof Error ? a.stack : typeof a === 'string' ? a : safeJson(a))).join(' ');
    consoleLines.push({ level, line });
    if (level === 'error') errors.push(line);
    process.stderr.write(`[${level}] ${line}\n`);
  };
}

// Calls a wx-style API's success/fail and complete callbacks.
function callback(options, outcome, result) {
  if (!options) return;
  if (typeof options[outcome] === 'function') options[outcome](result);
  if (typeof options.complete === 'function') options.complete(result);
}

// Replaces global.wx (miniprogram-simulate's own mock, so call this after requiring it): `stubs` answer
// the APIs a harness drives itself; every other call is recorded with `record(name, args)` and passed on.
function installWx(stubs, record) {
  const baseWx = global.wx;
  global.wx = new Proxy(baseWx, {
    get(target, name) {
      if (Object.prototype.hasOwnProperty.call(stubs, name)) return stubs[name];
      const value = target[name];
      if (typeof value !== 'function') return value;
      return (...args) => {
        record(name, args);
        return value.apply(target, args);
      };
    },
  });
  global.getApp = () => ({ globalData: {} });
  global.getCurrentPages = () => [];
}

module.exports = { callback, consoleLines, errors, installWx, safeJson };
