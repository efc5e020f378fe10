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

module.exports = { consoleLines, errors, safeJson };
