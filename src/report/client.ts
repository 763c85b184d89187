// The report page's own script (plain ES2017, inlined with the CSP nonce; no inline handlers). It draws the
// two Chart.js charts from the JSON in #report-data, runs the admins filter and the "show more" toggles, and
// opens everything before printing. The page is complete without it: charts have text fallbacks.
export const REPORT_JS = `
(function () {
  'use strict';
  var doc = document;
  function $(sel, root) { return (root || doc).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }

  var data = {};
  try { data = JSON.parse(($('#report-data') || {}).textContent || '{}'); } catch (err) { data = {}; }

  /* Charts */
  var charts = [];
  var Chart = window.Chart;
  if (Chart) {
    var font = getComputedStyle(doc.body).fontFamily;
    Chart.defaults.font.family = font;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#475467';
    Chart.defaults.borderColor = '#eaecf0';
    var common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, useBorderRadius: true, borderRadius: 2, padding: 14 } },
        tooltip: { backgroundColor: '#0c1425', padding: 10, boxPadding: 4, usePointStyle: true }
      }
    };
    function merge(extra) { var out = {}; var k; for (k in common) out[k] = common[k]; for (k in extra) out[k] = extra[k]; return out; }
    var trendCanvas = $('#chart-verdicts');
    if (trendCanvas && data.trend) {
      var many = data.trend.labels.length > 40;
      charts.push(new Chart(trendCanvas, {
        type: 'line',
        data: {
          labels: data.trend.labels,
          datasets: data.trend.series.map(function (s, i) {
            return {
              label: s.label, data: s.values, borderColor: s.color, backgroundColor: s.color + 'bf',
              fill: i === 0 ? 'origin' : '-1', borderWidth: 1.5, tension: 0.25,
              pointRadius: many ? 0 : 2.5, pointHoverRadius: 4, pointBackgroundColor: s.color
            };
          })
        },
        options: merge({
          scales: {
            x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'admins' } }
          }
        })
      }));
    }
    var findingsCanvas = $('#chart-findings');
    if (findingsCanvas && data.findings) {
      charts.push(new Chart(findingsCanvas, {
        type: 'bar',
        data: {
          labels: data.findings.labels,
          datasets: data.findings.series.map(function (s) {
            return { label: s.label, data: s.values, backgroundColor: s.color, borderRadius: 2, maxBarThickness: 28 };
          })
        },
        options: merge({
          scales: {
            x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'findings' } }
          }
        })
      }));
    }
  }
  doc.documentElement.setAttribute('data-charts', String(charts.length));

  /* "Show more" for long tables */
  $$('[data-limit]').forEach(function (tbody) {
    var limit = Number(tbody.getAttribute('data-limit'));
    var rows = $$(':scope > tr', tbody);
    var button = doc.getElementById(tbody.getAttribute('data-more'));
    if (!button || rows.length <= limit) return;
    var expanded = false;
    function render() {
      rows.forEach(function (r, i) { if (i >= limit) r.hidden = !expanded; });
      button.textContent = expanded ? 'Show fewer' : 'Show all ' + rows.length;
      button.setAttribute('aria-expanded', String(expanded));
    }
    button.hidden = false;
    button.addEventListener('click', function () { expanded = !expanded; render(); });
    render();
  });

  /* Admins filter: free text plus one verdict chip */
  var table = $('#admins-table');
  var input = $('#admin-filter');
  if (table && input) {
    var rows = $$('tbody > tr', table);
    var chips = $$('[data-verdict-chip]');
    var status = $('#filter-status');
    var none = $('#filter-empty');
    var verdict = 'all';
    var apply = function () {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r) {
        var text = r.getAttribute('data-search') || '';
        var ok = (verdict === 'all' || r.getAttribute('data-verdict') === verdict) && words.every(function (w) { return text.indexOf(w) >= 0; });
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (status) status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' admins';
      if (none) none.hidden = shown > 0;
    };
    chips.forEach(function (chip) {
      chip.addEventListener('click', function () {
        verdict = chip.getAttribute('data-verdict-chip');
        chips.forEach(function (c) { c.setAttribute('aria-pressed', String(c === chip)); });
        apply();
      });
    });
    input.addEventListener('input', apply);
    var reveal = function () {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = id && doc.getElementById(id);
      if (target && target.hidden && rows.indexOf(target) >= 0) {
        input.value = '';
        verdict = 'all';
        chips.forEach(function (c) { c.setAttribute('aria-pressed', String(c.getAttribute('data-verdict-chip') === 'all')); });
        apply();
        target.scrollIntoView();
      }
    };
    window.addEventListener('hashchange', reveal);
    apply();
  }

  /* Print: everything visible and expanded */
  window.addEventListener('beforeprint', function () {
    $$('details').forEach(function (d) { d.open = true; });
    $$('tbody > tr[hidden]').forEach(function (r) { r.hidden = false; });
  });
})();
`;
