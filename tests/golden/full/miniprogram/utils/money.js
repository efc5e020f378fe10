// Money is integer fen everywhere: no binary floats ever touch an amount.
function yuan(fen) {
  var sign = fen < 0 ? '-' : '';
  var abs = Math.abs(Math.round(fen));
  var cents = String(abs % 100);
  return sign + '¥' + Math.floor(abs / 100) + '.' + (cents.length < 2 ? '0' + cents : cents);
}

module.exports = { yuan };
