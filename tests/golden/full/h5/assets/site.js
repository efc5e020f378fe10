// The H5 site's behaviour: carousels, forms, product options and the catalog search.
// User text arrives through the DOM and JSON islands; it is only ever set with textContent (the one HTML
// insertion re-parses a <noscript> of the page's own, already escaped markup).
(function () {
  'use strict';

  // --- the browser's toolbar takes the brand colour, read from the stylesheet (a theme change rewrites the
  // CSS, not every page), and again when the colour scheme changes (a theme's dark variant)
  function themeColor() {
    var value = getComputedStyle(document.documentElement).getPropertyValue('--color-primary').trim();
    if (!value) return;
    var meta = document.querySelector('meta[name="theme-color"]');
    if (!meta) {
      meta = document.createElement('meta');
      meta.name = 'theme-color';
      document.head.appendChild(meta);
    }
    meta.content = value;
  }
  themeColor();
  var scheme = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  if (scheme && scheme.addEventListener) scheme.addEventListener('change', themeColor);

  // --- carousels: dots follow the scroll position; autoplay unless the user prefers less motion
  document.querySelectorAll('.banner').forEach(function (banner) {
    var track = banner.querySelector('.banner-track');
    var dots = banner.querySelectorAll('.dot');
    var count = track.children.length;
    if (count < 2) return;
    function current() { return Math.round(track.scrollLeft / track.clientWidth); }
    // Slides further off are <noscript data-deferred> (see PageContext.deferred_picture): put each in place
    // once the carousel is one slide away, so an off-screen slide costs nothing at load.
    function reveal(upto) {
      for (var i = 0; i <= upto && i < count; i++) {
        var deferred = track.children[i].querySelector('noscript[data-deferred]');
        if (deferred) { deferred.insertAdjacentHTML('afterend', deferred.textContent); deferred.remove(); }
      }
    }
    track.addEventListener('scroll', function () {
      var index = current();
      reveal(index + 1);
      dots.forEach(function (dot, i) { dot.classList.toggle('dot-active', i === index); });
    }, { passive: true });
    var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (banner.dataset.autoplay !== 'true' || still) return;
    setInterval(function () {
      if (document.hidden) return;
      var next = (current() + 1) % count;
      track.scrollTo({ left: next * track.clientWidth, behavior: 'smooth' });
    }, Number(banner.dataset.interval) || 4000);
  });

  // --- product gallery: a focusable scroller; arrow keys (and Home/End) go one photo at a time, and the
  // counter and dots follow the scroll position whichever way it moved
  document.querySelectorAll('.gallery').forEach(function (gallery) {
    var track = gallery.querySelector('.gallery-track');
    var counter = gallery.querySelector('[data-gallery-index]');
    var dots = gallery.querySelectorAll('.gallery-dot');
    var count = track.children.length;
    if (count < 2) return;
    var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    function current() { return Math.round(track.scrollLeft / track.clientWidth); }
    track.addEventListener('scroll', function () {
      var index = current();
      counter.textContent = String(index + 1);
      dots.forEach(function (dot, i) { dot.classList.toggle('gallery-dot-active', i === index); });
    }, { passive: true });
    track.addEventListener('keydown', function (event) {
      var steps = { ArrowRight: 1, ArrowLeft: -1, Home: -count, End: count };
      if (!(event.key in steps) || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      var next = Math.max(0, Math.min(count - 1, current() + steps[event.key]));
      track.scrollTo({ left: next * track.clientWidth, behavior: still ? 'auto' : 'smooth' });
    });
  });

  // --- forms: the same checks as the mini-program, then a JSON POST with a clear result
  var PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  function fieldError(input) {
    var value = (input.value || '').trim();
    var label = input.dataset.label;
    if (!value) return input.required ? '请填写' + label : '';
    var max = Number(input.getAttribute('maxlength'));
    if (max && value.length > max) return label + '最多 ' + max + ' 个字';
    if (input.dataset.type === 'tel' && !PHONE.test(value)) return '请输入正确的电话号码';
    if (input.dataset.type === 'email' && !EMAIL.test(value)) return '请输入正确的邮箱地址';
    if (input.dataset.type === 'number' && isNaN(Number(value))) return label + '需要是数字';
    return '';
  }
  document.querySelectorAll('form.form').forEach(function (form) {
    var button = form.querySelector('.submit-button');
    var status = form.querySelector('.form-status');
    var label = button.textContent;
    var inputs = form.querySelectorAll('.field-input');
    inputs.forEach(function (input) {
      input.addEventListener('input', function () { showError(input, ''); });
    });
    function showError(input, message) {
      input.closest('.field').classList.toggle('field-invalid', Boolean(message));
      input.setAttribute('aria-invalid', message ? 'true' : 'false');
      document.getElementById(input.id + '-error').textContent = message;
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button.disabled) return;
      var first = null;
      var payload = {};
      inputs.forEach(function (input) {
        var message = fieldError(input);
        showError(input, message);
        if (message && !first) first = input;
        payload[input.name] = (input.value || '').trim();
      });
      if (first) { first.focus(); return; }
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      button.textContent = '提交中…';
      status.className = 'form-status';
      status.textContent = '';
      fetch(form.action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) })
        .then(function (response) { finish(response.ok); })
        .catch(function () { finish(false); });
    });
    function finish(ok) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
      status.className = 'form-status ' + (ok ? 'is-success' : 'is-error');
      status.textContent = ok ? form.dataset.success : form.dataset.error;
      if (ok) { form.classList.add('is-done'); form.reset(); }
    }
  });

  // --- product options: the chosen combination's price and stock
  document.querySelectorAll('[data-options]').forEach(function (box) {
    var skus = JSON.parse(box.querySelector('[data-skus]').textContent);
    var price = document.querySelector('[data-price]');
    var stock = document.querySelector('[data-stock]');
    var base = { price: price.textContent, stock: stock.textContent, state: stock.className };
    box.addEventListener('change', function () {
      var chosen = {};
      box.querySelectorAll('input:checked').forEach(function (input) { chosen[input.dataset.option] = input.value; });
      var sku = skus.find(function (s) {
        return Object.keys(s.options).every(function (name) { return chosen[name] === s.options[name]; });
      });
      price.textContent = sku ? sku.priceText : base.price;
      stock.className = base.state;
      stock.textContent = base.stock;
      if (sku && sku.stock === 0) { stock.textContent = '该款已售罄'; stock.className = 'stock stock-out'; }
      else if (sku && sku.stock > 0) {
        stock.textContent = sku.stock <= 5 ? '仅剩 ' + sku.stock + ' 件' : '有货';
        stock.className = 'stock ' + (sku.stock <= 5 ? 'stock-low' : 'stock-in');
      }
    });
  });

  // --- "open in the mini-program": WeChat opens its plain URL scheme from other browsers (on Android when
  // the page navigates to it, which the button does), not from inside WeChat, where the panel says the way out
  var inWeChat = /MicroMessenger/i.test(navigator.userAgent);
  document.querySelectorAll('details.open-mp').forEach(function (panel) {
    var box = panel.querySelector('[data-qr]');
    var launch = panel.querySelector('[data-launch]');
    if (inWeChat) {
      [launch, box, panel.querySelector('[data-outside-wechat]')].forEach(function (el) { el.hidden = true; });
      panel.querySelector('[data-inside-wechat]').hidden = false;
      return;
    }
    launch.addEventListener('click', function (event) {
      event.preventDefault();
      window.location.href = launch.href;
    });
    panel.addEventListener('toggle', function () {
      if (panel.open && !box.firstChild && window.mpgenQR) box.innerHTML = window.mpgenQR.svg(box.dataset.qr);
    });
  });

  // --- tracking: the page's declared events, sent as one beacon (text/plain JSON: no CORS preflight) with
  // the envelope the shop's backend keeps: this browser's install id (localStorage), this visit's session id
  // (sessionStorage), the platform. Without storage (private modes) each page is its own visitor.
  function randomId() {
    var bytes = new Uint8Array(12);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return 'h' + Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function keptId(storage, key) {
    try {
      var store = window[storage]; // reading the property itself throws where storage is blocked
      var id = store.getItem(key);
      if (!id) {
        id = randomId();
        store.setItem(key, id);
      }
      return id;
    } catch (err) {
      return randomId();
    }
  }
  if (document.body.dataset.analytics && navigator.sendBeacon) {
    var settings = JSON.parse(document.body.dataset.analytics);
    var events = JSON.parse(document.body.dataset.track).filter(function (e) { return settings.events[e.event]; });
    events.forEach(function (e) {
      e.at = Date.now();
      e.page = (e.fields && e.fields.page) || '';
    });
    if (events.length) {
      navigator.sendBeacon(settings.endpoint, JSON.stringify({
        install: keptId('localStorage', 'mpgen-install'),
        session: keptId('sessionStorage', 'mpgen-visit'),
        platform: 'h5',
        events: events
      }));
    }
  }

  // --- catalog search: the index (assets/search/<n>.js, a few thousand products each) loads when the
  // shopper starts typing, one part after another until enough products match (a big catalog's search
  // starts with one small download); results are links built with textContent, SEARCH_RESULTS at most
  document.querySelectorAll('[data-search]').forEach(function (form) {
    var input = form.querySelector('input');
    var status = form.querySelector('[data-search-status]');
    var results = document.querySelector('[data-search-results]');
    var browse = document.querySelector('[data-search-browse]');
    var limit = Number(form.dataset.searchLimit) || 50;
    var shardCount = Number(form.dataset.searchShards) || 1;
    var shards = [];  // promises of each part's rows, each row with its searchable text
    function shard(number) {
      if (!shards[number]) {
        shards[number] = new Promise(function (resolve, reject) {
          var script = document.createElement('script');
          script.src = form.dataset.searchIndex + number + '.js';
          script.onload = function () {
            var part = (window.mpgenSearch || {})[number] || { categories: [], rows: [] };
            resolve(part.rows.map(function (row) {
              var text = [row[1], part.categories[row[4]] || '', row[5]].join(' ').toLowerCase();
              return { id: row[0], name: row[1], price: row[2], soldOut: row[3], text: text };
            }));
          };
          script.onerror = function () { shards[number] = null; reject(new Error('search index')); };
          document.head.appendChild(script);
        });
      }
      return shards[number];
    }
    function current() { return input.value.trim().toLowerCase().split(/\s+/).filter(Boolean); }
    function show(found, complete) {
      results.textContent = '';
      found.slice(0, limit).forEach(function (product) {
        var item = document.createElement('li');
        var link = document.createElement('a');
        link.className = 'search-result';
        link.href = form.dataset.searchRoot + 'product/' + encodeURIComponent(product.id) + '.html';
        var name = document.createElement('span');
        name.className = 'search-result-name';
        name.textContent = product.name;
        var price = document.createElement('span');
        price.className = product.soldOut ? 'search-result-sold-out' : 'price';
        price.textContent = product.soldOut ? '已售罄' : product.price;
        link.appendChild(name);
        link.appendChild(price);
        item.appendChild(link);
        results.appendChild(item);
      });
      if (!found.length) status.textContent = complete ? '没有找到相关商品，换个关键词试试' : '正在搜索…';
      else if (!complete) status.textContent = '找到 ' + limit + ' 件以上的商品，显示前 ' + limit + ' 件';
      else status.textContent = '找到 ' + found.length + ' 件商品' +
        (found.length > limit ? '，显示前 ' + limit + ' 件' : '');
      results.hidden = false;
      browse.hidden = true;
    }
    // Scans the parts in order, stopping once more than `limit` match: the same first results as a full
    // scan, and the count is exact whenever every part was read.
    function search(words, number, found) {
      if (current().join(' ') !== words.join(' ')) return;  // the shopper typed on: a newer search runs
      if (number >= shardCount || found.length > limit) {
        show(found, number >= shardCount);
        return;
      }
      shard(number).then(function (rows) {
        rows.forEach(function (product) {
          if (words.every(function (word) { return product.text.indexOf(word) !== -1; })) found.push(product);
        });
        search(words, number + 1, found);
      }, function () { status.textContent = '搜索暂时不可用'; });
    }
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    input.addEventListener('focus', function () { shard(0).catch(function () {}); });
    input.addEventListener('input', function () {
      var words = current();
      if (!words.length) {
        status.textContent = '';
        results.hidden = true;
        browse.hidden = false;
        return;
      }
      search(words, 0, []);
    });
  });

  // --- coupons on offer: the page is static, so a coupon whose last day (Asia/Shanghai) has passed since
  // the build is hidden here; when none is left the block says so
  var today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  document.querySelectorAll('[data-coupon-offers]').forEach(function (list) {
    var left = 0;
    list.querySelectorAll('[data-ends]').forEach(function (offer) {
      var ended = offer.dataset.ends !== '' && offer.dataset.ends < today;
      offer.hidden = ended;
      if (!ended) left += 1;
    });
    var block = list.parentNode;
    if (!left) {
      list.hidden = true;
      block.querySelector('[data-coupon-hint]').hidden = true;
      block.querySelector('[data-coupon-none]').hidden = false;
    }
  });
})();
