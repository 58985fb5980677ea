/**
 * The dashboard's small progressive enhancement, served at /assets/dashboard.js (CSP forbids inline script):
 * live job cards, the QBR charts (uPlot, served by the gateway) and confirmations on destructive buttons.
 * Everything works without it; it only saves reloading.
 */
export const dashboardJs = `
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var message = form && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });

  function text(el, value) { if (el) el.textContent = value; }

  function pollJob(card) {
    var id = card.getAttribute('data-job');
    fetch('/api/jobs/' + encodeURIComponent(id), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.data) return;
        var job = body.data;
        text(card.querySelector('[data-field="state"]'), job.state);
        text(card.querySelector('[data-field="done"]'), String(job.done));
        text(card.querySelector('[data-field="failed"]'), String(job.failed));
        text(card.querySelector('[data-field="total"]'), job.total === null ? '?' : String(job.total));
        var bar = card.querySelector('progress');
        if (bar && job.total) { bar.max = job.total; bar.value = job.done + job.failed; }
        if (job.state === 'queued' || job.state === 'running') setTimeout(function () { pollJob(card); }, 2000);
        else text(card.querySelector('[data-field="live"]'), 'finished: reload for the summary');
      })
      .catch(function () { setTimeout(function () { pollJob(card); }, 5000); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-job]'), pollJob);

  var data = document.getElementById('qbr-metrics');
  if (data && window.uPlot) {
    var rows = JSON.parse(data.textContent || '[]');
    var periods = [];
    var byMetric = {};
    rows.forEach(function (r) {
      if (periods.indexOf(r.period) < 0) periods.push(r.period);
      (byMetric[r.metric_name] = byMetric[r.metric_name] || {})[r.period] = Number(r.metric_value);
    });
    periods.sort();
    // Months are categories: x is the month's index, labelled with its YYYY-MM (no day ticks between months).
    var xs = periods.map(function (_, i) { return i; });
    function series(name) { return periods.map(function (p) { var m = byMetric[name] || {}; return p in m ? m[p] : null; }); }
    function draw(id, title, names, colors) {
      var el = document.getElementById(id);
      if (!el || periods.length === 0) return;
      var width = Math.max(300, el.clientWidth || 600);
      var opts = {
        title: title, width: width, height: 240,
        scales: { x: { time: false, range: [-0.5, periods.length - 0.5] } },
        axes: [
          { splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return periods[i] || ''; }); } },
          { size: 70 }
        ],
        series: [{ label: 'Month', value: function (u, i) { return i == null ? '--' : periods[i] || ''; } }].concat(names.map(function (n, i) { return { label: n, stroke: colors[i], width: 2, points: { show: true, size: 7 } }; }))
      };
      el.textContent = '';
      new window.uPlot(opts, [xs].concat(names.map(series)), el);
      el.setAttribute('data-drawn', 'true');
    }
    draw('chart-revenue', 'Revenue vs expenses', ['total_revenue', 'total_expenses'], ['#146c2e', '#a4161a']);
    draw('chart-profit', 'Net profit', ['net_profit'], ['#0b57d0']);
    draw('chart-employees', 'Employees', ['employees'], ['#7a4d00']);
  }
})();
`;
