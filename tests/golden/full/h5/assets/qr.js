// A small QR code encoder (byte mode, error correction M, versions 1-10, mask 0) for the
// "open in the mini-program" panels: the H5 pages carry the link, the browser draws its code.
// tests/test_h5.py checks its modules against segno's for the same text.
(function (root) {
  'use strict';
  // Per version: [block count, codewords per block, data codewords per block] groups for level M.
  var BLOCKS = [null, [[1, 26, 16]], [[1, 44, 28]], [[1, 70, 44]], [[2, 50, 32]], [[2, 67, 43]],
    [[4, 43, 27]], [[4, 49, 31]], [[2, 60, 38], [2, 61, 39]], [[3, 58, 36], [2, 59, 37]],
    [[4, 69, 43], [1, 70, 44]]];
  var ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42],
    [6, 26, 46], [6, 28, 50]];
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

  function errorCodewords(data, count) {
    var gen = [1];
    for (var i = 0; i < count; i++) {
      var next = new Array(gen.length + 1).fill(0);
      for (var j = 0; j < gen.length; j++) {
        next[j] ^= gen[j];
        next[j + 1] ^= mul(gen[j], EXP[i]);
      }
      gen = next;
    }
    var rest = data.concat(new Array(count).fill(0));
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

  // The module matrix (1 = dark) of `text`, or null when it does not fit version 10.
  function encode(text) {
    var bytes = Array.from(new TextEncoder().encode(text));
    var version = 0;
    for (var v = 1; v <= 10 && !version; v++) {
      if (4 + (v < 10 ? 8 : 16) + 8 * bytes.length <= dataCapacity(v) * 8) version = v;
    }
    if (!version) return null;
    var size = 17 + 4 * version;
    var modules = [];
    var fixed = [];
    for (var y = 0; y < size; y++) {
      modules.push(new Array(size).fill(0));
      fixed.push(new Array(size).fill(false));
    }
    function set(x, y, dark) {
      modules[y][x] = dark ? 1 : 0;
      fixed[y][x] = true;
    }
    for (var i = 0; i < size; i++) {
      set(6, i, i % 2 === 0);
      set(i, 6, i % 2 === 0);
    }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var d = Math.max(Math.abs(dx), Math.abs(dy));
          var x = c[0] + dx;
          var yy = c[1] + dy;
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

  // An SVG string of the code with a 4-module quiet zone, 4 CSS pixels per module.
  function svg(text) {
    var modules = encode(text);
    if (!modules) return '';
    var n = modules.length + 8;
    var path = '';
    modules.forEach(function (row, y) {
      row.forEach(function (dark, x) { if (dark) path += 'M' + (x + 4) + ' ' + (y + 4) + 'h1v1h-1z'; });
    });
    var px = n * 4; // whole pixels per module keep the code sharp enough for every scanner
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + px + '" height="' + px + '" viewBox="0 0 ' + n + ' ' + n +
      '" shape-rendering="crispEdges">' +
      '<rect width="' + n + '" height="' + n + '" fill="#fff"/><path fill="#000" d="' + path + '"/></svg>';
  }

  var api = { encode: encode, svg: svg };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.mpgenQR = api;
})(this);
