// Personal data is shown masked wherever the generated UI displays it.
function phone(value) {
  const text = String(value || '');
  return text.length >= 7 ? text.slice(0, 3) + '****' + text.slice(-4) : text.replace(/./g, '*');
}

function name(value) {
  const text = String(value || '');
  if (text.length <= 1) return text;
  return text[0] + '*'.repeat(Math.min(text.length - 1, 3));
}

function idNumber(value) {
  const text = String(value || '');
  return text.length > 8 ? text.slice(0, 4) + '*'.repeat(text.length - 8) + text.slice(-4) : '****';
}

module.exports = { phone, name, idNumber };
