// The console's dashboard charts (Apache ECharts, vendored: admin_static/vendor/echarts). The figures come
// from the page itself, a JSON island the server rendered (<script type="application/json" id="metrics">),
// the same numbers as the cards and `gen report`; nothing is fetched.
(function () {
  'use strict';

  var island = document.getElementById('metrics');
  if (!island || !window.echarts) return;
  var metrics = JSON.parse(island.textContent);
  var days = metrics.daily.map(function (d) { return d.day.slice(5); }); // MM-DD reads better on a phone
  var style = getComputedStyle(document.documentElement);
  var brand = style.getPropertyValue('--brand').trim() || '#1F3A5F';
  var muted = '#8a8f99';
  var charts = [];

  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element) return;
    var instance = window.echarts.init(element, null, { renderer: 'canvas' }); // canvas: no inline styles for the CSP
    instance.setOption(Object.assign({
      animation: false,
      color: [brand, '#576b95', '#fa9d3b', muted],
      grid: { left: 44, right: 44, top: 28, bottom: 28 }, // the legend is the page's (the simple build has none)
      tooltip: { trigger: 'axis' }
    }, option));
    charts.push(instance);
  }

  chart('chart-traffic', {
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: '打开次数', type: 'line', data: metrics.daily.map(function (d) { return d.opens; }) },
      { name: '访问人数', type: 'line', data: metrics.daily.map(function (d) { return d.visitors; }) }
    ]
  });

  chart('chart-sales', {
    xAxis: { type: 'category', data: days },
    yAxis: [
      { type: 'value', name: '订单', minInterval: 1 },
      { type: 'value', name: '元', splitLine: { show: false } }
    ],
    series: [
      { name: '支付订单', type: 'bar', data: metrics.daily.map(function (d) { return d.paid_orders; }) },
      { name: '销售额（元）', type: 'line', yAxisIndex: 1,
        data: metrics.daily.map(function (d) { return d.revenue_fen / 100; }) }
    ]
  });

  var funnel = metrics.funnel;
  chart('chart-funnel', {
    grid: { left: 72, right: 24, top: 8, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: ['浏览商品', '加入购物车', '去结算', '支付成功'] },
    series: [{ type: 'bar', name: '人数', label: { show: true, position: 'right' },
      data: [funnel.product_view, funnel.add_to_cart, funnel.checkout_start, funnel.paid] }]
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
