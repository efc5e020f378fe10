// Coupons from the backend (GET coupons), claimed with one tap (POST coupons/{id}/claim), and the shopper's
// own (GET coupons/mine): tapping one shows its code, large and as a QR code, for the shop's staff to redeem.
const block = require('../../utils/block-behavior.js');
const config = require('../../utils/commerce-config.js');
const session = require('../../utils/session.js');
const { request } = require('../../utils/request.js');
const { track } = require('../../utils/track.js');
const { yuan } = require('../../utils/money.js');

// utils/qr.js, included: the build copies only the utils generator/targets/miniprogram.py lists.
const qr = (function () {
  const module = { exports: {} };
// A small QR code encoder (byte mode, error correction M, versions 1-10, mask 0): the H5 site's
// templates/h5/assets/qr.js, for the mini-program's old JavaScript (no TextEncoder, Array.from or fill)
// and drawn on a canvas. The coupons block includes this file into its component (the build copies
// only the utils generator/targets/miniprogram.py lists); tests/test_commerce_simulate.py decodes what it
// draws. It is a Jinja template there: keep two opening square brackets (or one and a percent sign)
// from ever standing together.
'use strict';

// Per version, the level-M groups: block count, codewords per block, data codewords per block.
var BLOCKS = ['', '1 26 16', '1 44 28', '1 70 44', '2 50 32', '2 67 43', '4 43 27', '4 49 31',
  '2 60 38,2 61 39', '3 58 36,2 59 37', '4 69 43,1 70 44'].map(function (groups) {
  return groups ? groups.split(',').map(function (g) { return g.split(' ').map(Number); }) : null;
});
var ALIGN = ['', '', '6 18', '6 22', '6 26', '6 30', '6 34', '6 22 38', '6 24 42', '6 26 46', '6 28 50'].map(
  function (at) { return at ? at.split(' ').map(Number) : []; });
var EXP = [];
var LOG = [];
(function () {
  var x = 1;
  for (var i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
})();

function mul(a, b) { return a && b ? EXP[LOG[a] + LOG[b]] : 0; }

function zeros(count, value) {
  var out = [];
  for (var i = 0; i < count; i++) out.push(value);
  return out;
}

function utf8(text) {
  var bytes = [];
  var chars = unescape(encodeURIComponent(text));
  for (var i = 0; i < chars.length; i++) bytes.push(chars.charCodeAt(i));
  return bytes;
}

function errorCodewords(data, count) {
  var gen = [1];
  for (var i = 0; i < count; i++) {
    var next = zeros(gen.length + 1, 0);
    for (var j = 0; j < gen.length; j++) {
      next[j] ^= gen[j];
      next[j + 1] ^= mul(gen[j], EXP[i]);
    }
    gen = next;
  }
  var rest = data.concat(zeros(count, 0));
  for (i = 0; i < data.length; i++) {
    var factor = rest[i];
    if (factor) for (j = 0; j < gen.length; j++) rest[i + j] ^= mul(gen[j], factor);
  }
  return rest.slice(data.length);
}

function dataCapacity(version) {
  return BLOCKS[version].reduce(function (sum, g) { return sum + g[0] * g[2]; }, 0);
}

function codewords(bytes, version) {
  var bits = [];
  function push(value, length) { for (var i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1); }
  var capacity = dataCapacity(version) * 8;
  push(4, 4);
  push(bytes.length, version < 10 ? 8 : 16);
  bytes.forEach(function (b) { push(b, 8); });
  push(0, Math.min(4, capacity - bits.length));
  while (bits.length % 8) bits.push(0);
  for (var pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) push(pad, 8);
  var data = [];
  for (var i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  var blocks = [];
  var offset = 0;
  BLOCKS[version].forEach(function (group) {
    for (var n = 0; n < group[0]; n++) {
      var part = data.slice(offset, offset + group[2]);
      offset += group[2];
      blocks.push({ data: part, ecc: errorCodewords(part, group[1] - group[2]) });
    }
  });
  var out = [];
  var longest = Math.max.apply(null, blocks.map(function (b) { return b.data.length; }));
  for (i = 0; i < longest; i++) blocks.forEach(function (b) { if (i < b.data.length) out.push(b.data[i]); });
  for (i = 0; i < blocks[0].ecc.length; i++) blocks.forEach(function (b) { out.push(b.ecc[i]); });
  return out;
}

// The module matrix (rows of 1 = dark, 0 = light) of `text`, or null when it does not fit version 10.
function encode(text) {
  var bytes = utf8(text);
  var version = 0;
  for (var v = 1; v <= 10 && !version; v++) {
    if (4 + (v < 10 ? 8 : 16) + 8 * bytes.length <= dataCapacity(v) * 8) version = v;
  }
  if (!version) return null;
  var size = 17 + 4 * version;
  var modules = [];
  var fixed = [];
  for (var y = 0; y < size; y++) {
    modules.push(zeros(size, 0));
    fixed.push(zeros(size, false));
  }
  function set(x, y, dark) {
    modules[y][x] = dark ? 1 : 0;
    fixed[y][x] = true;
  }
  for (var i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  var finders = [{ x: 3, y: 3 }, { x: size - 4, y: 3 }, { x: 3, y: size - 4 }];
  finders.forEach(function (c) {
    for (var dy = -4; dy <= 4; dy++) {
      for (var dx = -4; dx <= 4; dx++) {
        var d = Math.max(Math.abs(dx), Math.abs(dy));
        var x = c.x + dx;
        var yy = c.y + dy;
        if (x >= 0 && x < size && yy >= 0 && yy < size) set(x, yy, d !== 2 && d !== 4);
      }
    }
  });
  var align = ALIGN[version];
  var dx, dy;
  for (i = 0; i < align.length; i++) {
    for (var j = 0; j < align.length; j++) {
      var corner = (i === 0 && j === 0) || (i === 0 && j === align.length - 1) || (i === align.length - 1 && j === 0);
      if (corner) continue;
      for (dy = -2; dy <= 2; dy++) {
        for (dx = -2; dx <= 2; dx++) set(align[i] + dx, align[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    }
  }
  function formatBits(mask) {
    var data = (0 << 3) | mask; // level M is 00
    var rem = data;
    for (var n = 0; n < 10; n++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    var bits = ((data << 10) | rem) ^ 0x5412;
    for (n = 0; n <= 5; n++) set(8, n, (bits >>> n) & 1);
    set(8, 7, (bits >>> 6) & 1);
    set(8, 8, (bits >>> 7) & 1);
    set(7, 8, (bits >>> 8) & 1);
    for (n = 9; n < 15; n++) set(14 - n, 8, (bits >>> n) & 1);
    for (n = 0; n < 8; n++) set(size - 1 - n, 8, (bits >>> n) & 1);
    for (n = 8; n < 15; n++) set(8, size - 15 + n, (bits >>> n) & 1);
    set(8, size - 8, true);
  }
  formatBits(0);
  if (version >= 7) {
    var rem = version;
    for (i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
    var vbits = (version << 12) | rem;
    for (i = 0; i < 18; i++) {
      var bit = (vbits >>> i) & 1;
      var a = size - 11 + (i % 3);
      var b = Math.floor(i / 3);
      set(a, b, bit);
      set(b, a, bit);
    }
  }
  var data = codewords(bytes, version);
  var index = 0;
  for (var right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (var vert = 0; vert < size; vert++) {
      for (j = 0; j < 2; j++) {
        var x = right - j;
        var upward = ((right + 1) & 2) === 0;
        y = upward ? size - 1 - vert : vert;
        if (fixed[y][x]) continue;
        var dark = index < data.length * 8 ? (data[index >>> 3] >>> (7 - (index & 7))) & 1 : 0;
        index++;
        modules[y][x] = dark ^ ((x + y) % 2 === 0 ? 1 : 0); // mask 0
      }
    }
  }
  return modules;
}

var QUIET = 4; // modules of white around the code, which scanners need

// Draws the code of `text` on a square canvas 2D context `width` canvas pixels wide: white, then its dark
// modules in whole pixels (so it stays sharp), centred; returns the pixels per module (0: too long a text).
function draw(ctx, text, width) {
  var modules = encode(text);
  if (!modules) return 0;
  var n = modules.length + 2 * QUIET;
  var unit = Math.max(1, Math.floor(width / n));
  var start = Math.floor((width - unit * n) / 2) + QUIET * unit;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, width);
  ctx.fillStyle = '#000000';
  modules.forEach(function (row, y) {
    row.forEach(function (dark, x) { if (dark) ctx.fillRect(start + x * unit, start + y * unit, unit, unit); });
  });
  return unit;
}

module.exports = { encode: encode, draw: draw, QUIET: QUIET };
  return module.exports;
})();

// 20% off is 8折 (15% off: 8.5折), as a shop in China writes a percentage coupon.
function discountText(percentOff) {
  return String((100 - percentOff) / 10) + '折';
}

function amountText(coupon) {
  return coupon.percentOff ? discountText(coupon.percentOff) : yuan(coupon.amountFen);
}

function thresholdText(coupon) {
  return coupon.minSpendFen ? '满' + yuan(coupon.minSpendFen) + '可用' : '无门槛';
}

function view(coupon) {
  return Object.assign({}, coupon, {
    amountText: amountText(coupon),
    ruleText: thresholdText(coupon) + (coupon.expires ? '，' + coupon.expires + ' 前有效' : '')
  });
}

// ABCDEFGHIJKLMNOP -> ABCD EFGH IJKL MNOP: what staff read off the screen.
function grouped(code) {
  return String(code).replace(/(.{4})(?=.)/g, '$1 ');
}

function heldView(coupon) {
  return Object.assign({}, coupon, {
    amountText: amountText(coupon),
    ruleText: thresholdText(coupon),
    expiresText: '有效期至 ' + coupon.expires,
    codeText: grouped(coupon.id)
  });
}

function pixelRatio() {
  const info = wx.getWindowInfo ? wx.getWindowInfo() : wx.getSystemInfoSync();
  return (info && info.pixelRatio) || 2;
}

Component({
  options: { addGlobalClass: true },
  behaviors: [block],
  data: { loading: true, error: '', coupons: [], claiming: '', mine: [], mineError: '', shown: null },
  lifetimes: {
    attached() {
      this.load();
      this.loadMine();
    }
  },
  methods: {
    load() {
      this.setData({ loading: true, error: '' });
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'coupons', header: session.header(s) }))
        .then((answer) => this.setData({ loading: false, coupons: ((answer && answer.coupons) || []).map(view) }))
        .catch(() => this.setData({ loading: false, error: '优惠券加载失败' }));
    },
    // The shopper's unused coupons valid now, soonest to expire first.
    loadMine() {
      this.setData({ mineError: '' });
      return session
        .call({ url: config.api + 'coupons/mine' })
        .then((answer) => this.setData({ mine: ((answer && answer.coupons) || []).map(heldView) }))
        .catch(() => this.setData({ mineError: '我的优惠券加载失败' }));
    },
    onClaim(event) {
      const id = event.currentTarget.dataset.id;
      if (this.data.claiming) return null;
      this.setData({ claiming: id });
      return session
        .ensure()
        .then((s) => request({ url: config.api + 'coupons/' + encodeURIComponent(id) + '/claim', method: 'POST',
          header: session.header(s) }))
        .then(() => {
          track('coupon_claim', { coupon_id: id });
          const coupons = this.data.coupons.map((c) => (c.id === id ? Object.assign({}, c, { claimed: true }) : c));
          this.setData({ claiming: '', coupons });
          wx.showToast({ title: '领取成功', icon: 'success' });
          this.loadMine();
        })
        .catch(() => {
          this.setData({ claiming: '' });
          wx.showToast({ title: '领取失败，请稍后重试', icon: 'none' });
        });
    },
    onShowCode(event) {
      const code = event.currentTarget.dataset.code;
      const shown = this.data.mine.filter((c) => c.id === code)[0];
      if (!shown) return;
      this.setData({ shown }, () => this.drawCode(shown.id));
    },
    onHideCode() {
      this.setData({ shown: null });
      return this.loadMine(); // a coupon staff just redeemed leaves the list
    },
    // The code as a QR code on the canvas 2D (base library 2.9+), in whole device pixels per module.
    drawCode(code) {
      this.createSelectorQuery()
        .select('.coupon-code-qr')
        .fields({ node: true, size: true })
        .exec((res) => {
          const found = res && res[0];
          if (!found || !found.node || !this.data.shown || this.data.shown.id !== code) return;
          const canvas = found.node;
          const width = Math.floor(found.width * pixelRatio());
          canvas.width = width;
          canvas.height = width;
          qr.draw(canvas.getContext('2d'), code, width);
        });
    },
    noop() {}
  }
});
