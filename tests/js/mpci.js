// WeChat's own build and code-quality check (npm miniprogram-ci) over generated mini-programs, offline.
//
//   node tests/js/mpci.js OUT.json DIR [DIR ...]
//
// For each DIR (a folder holding project.config.json and app.json) it compiles the whole project the way
// an upload does (ci.getCompiledResult: every package, project.config.json's settings) and runs the
// rules of DevTools' 代码质量 panel (ci.checkCodeQuality), then writes to OUT.json:
//   [{dir, compile: {ok, files, error, warnings}, quality: [{name, success, text, detail}], seconds}]
// The report goes to a file because miniprogram-ci prints its own progress on stdout.
//
// Offline: miniprogram-ci asks WeChat's servers for the AppID's attributes (signed with the upload key)
// before it compiles. The project is given the attributes miniprogram-ci itself falls back to when the
// server does not know the AppID (ci.DefaultProjectAttr: 2 MB per package, tab bar limits), so no key
// is checked and nothing is signed; the private key is a throwaway RSA key made here. Every request
// it still tries (the list of allowed file extensions, which also has a built-in fallback) goes to a
// proxy on 127.0.0.1 port 9 that refuses it at once, so nothing leaves the machine.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ci = require('miniprogram-ci');

// A scratch folder holding a throwaway upload key; it is also the working directory, where miniprogram-ci
// leaves its per-project cache folders, and is deleted afterwards.
function scratch() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' }
  });
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mpci-'));
  const keyPath = path.join(folder, 'private.key');
  fs.writeFileSync(keyPath, privateKey, { mode: 0o600 });
  return { folder, keyPath };
}

async function check(dir, keyPath) {
  const started = Date.now();
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'project.config.json'), 'utf8'));
  const project = new ci.Project({
    appid: config.appid,
    type: 'miniProgram',
    projectPath: dir,
    privateKeyPath: keyPath,
    ignores: ['node_modules/**/*']
  });
  project._attr = JSON.parse(JSON.stringify(ci.DefaultProjectAttr)); // what attr() would fetch, see above
  const warnings = [];
  const compile = { ok: false, files: 0, error: null, warnings };
  try {
    const result = await ci.getCompiledResult({
      project,
      setting: { useProjectConfig: true },
      threads: 1, // one compile worker: each one loads the whole toolchain, which costs more than it saves
      onProgressUpdate: (task) => {
        if (task && typeof task === 'object' && (task.status === 'warn' || task.status === 'fail')) {
          warnings.push(task.message);
        }
      }
    });
    compile.ok = true;
    compile.files = Object.keys(result).length;
  } catch (error) {
    compile.error = { code: error.code === undefined ? null : error.code, message: String(error.message || error) };
  }
  let quality = [];
  try {
    quality = (await ci.checkCodeQuality(project)).map(({ name, success, text, detail }) => ({
      name, success, text, detail: detail === undefined ? null : detail
    }));
  } catch (error) {
    quality = [{ name: 'CHECK_FAILED', success: false, text: String(error.message || error), detail: null }];
  }
  return { dir, compile, quality, seconds: (Date.now() - started) / 1000 };
}

async function main() {
  const [out, ...dirs] = process.argv.slice(2);
  if (!out || !dirs.length) {
    console.error('usage: node mpci.js OUT.json DIR [DIR ...]');
    process.exit(2);
  }
  ci.proxy('http://127.0.0.1:9');
  const report = path.resolve(out);
  const projects = dirs.map((dir) => path.resolve(dir));
  const { folder, keyPath } = scratch();
  const home = process.cwd();
  process.chdir(folder);
  const reports = [];
  try {
    for (const dir of projects) reports.push(await check(dir, keyPath));
  } finally {
    process.chdir(home);
    fs.rmSync(folder, { recursive: true, force: true });
  }
  fs.writeFileSync(report, JSON.stringify(reports, null, 1));
}

// miniprogram-ci leaves a file watcher and a compiler process running: exit when the report is written.
main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
