#!/usr/bin/env node
// Compiles every WXML file of a built mini-program with WeChat's compiler (npm miniprogram-compiler, the
// wcc binary) into the JS that miniprogram-simulate renders from. It runs none of the package's code, so
// it may spawn wcc; render.js then runs the pages in node's permission sandbox, which may not.
//
//   node compile.js <miniprogram-dir> <output.js>

'use strict';

const fs = require('fs');
const compiler = require('miniprogram-compiler');

const [root, output] = process.argv.slice(2);
fs.writeFileSync(output, compiler.wxmlToJs(root));
