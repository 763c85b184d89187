// The report page's own script (plain ES2017, inlined with the CSP nonce; no inline handlers). It draws the
// two Chart.js charts from the JSON in #report-data, runs the filters (kept in the address, so a view can be
// shared and the back button works) and the "show more" toggles, copies proposed requests, builds the CSV and
// JSON downloads from #export-data (with the server's toCsv, defined before it), and opens everything before
// printing. The page is complete without it: charts have text fallbacks.
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

  /* Filters: the admins' text and verdict chip, the findings' severity chip. They live in the address
     (?q=…&verdict=…&severity=…), so a filtered view can be shared and the back button undoes a change. */
  var VERDICTS = ['all', 'unprotected', 'unknown', 'partial', 'excluded', 'protected'];
  var SEVERITIES = ['all', 'high', 'medium', 'low'];
  function readState() {
    var p = new URLSearchParams(location.search);
    var v = p.get('verdict') || 'all';
    var s = p.get('severity') || 'all';
    return { q: p.get('q') || '', verdict: VERDICTS.indexOf(v) >= 0 ? v : 'all', severity: SEVERITIES.indexOf(s) >= 0 ? s : 'all' };
  }
  var state = readState();
  var typing = false;
  function writeState(push) {
    if (push) typing = false;
    var url = new URL(location.href);
    var set = function (k, v, none) { if (v && v !== none) url.searchParams.set(k, v); else url.searchParams.delete(k); };
    set('q', state.q, '');
    set('verdict', state.verdict, 'all');
    set('severity', state.severity, 'all');
    if (url.href === location.href) return;
    if (push) history.pushState(null, '', url.href); else history.replaceState(null, '', url.href);
  }

  var table = $('#admins-table');
  var input = $('#admin-filter');
  var applyAdmins = function () {};
  if (table && input) {
    var rows = $$('tbody > tr', table);
    var chips = $$('[data-verdict-chip]');
    var status = $('#filter-status');
    var none = $('#filter-empty');
    applyAdmins = function () {
      if (input.value !== state.q) input.value = state.q;
      chips.forEach(function (c) { c.setAttribute('aria-pressed', String(c.getAttribute('data-verdict-chip') === state.verdict)); });
      var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r) {
        var text = r.getAttribute('data-search') || '';
        var ok = (state.verdict === 'all' || r.getAttribute('data-verdict') === state.verdict) && words.every(function (w) { return text.indexOf(w) >= 0; });
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (status) status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' admins';
      if (none) none.hidden = shown > 0;
    };
    chips.forEach(function (chip) {
      chip.addEventListener('click', function () {
        state.verdict = chip.getAttribute('data-verdict-chip');
        applyAdmins();
        writeState(true);
      });
    });
    // The first keystroke of an edit adds a history entry; the following ones update it.
    input.addEventListener('input', function () { state.q = input.value; applyAdmins(); writeState(!typing); typing = true; });
    var reveal = function () {
      var id = decodeURIComponent(location.hash.slice(1));
      var target = id && doc.getElementById(id);
      if (target && target.hidden && rows.indexOf(target) >= 0) {
        state.q = '';
        state.verdict = 'all';
        applyAdmins();
        writeState(false);
        target.scrollIntoView();
      }
    };
    window.addEventListener('hashchange', reveal);
  }

  var groups = $$('#findings .fgroups > li[data-severity]');
  var sevChips = $$('[data-severity-chip]');
  var applyFindings = function () {
    sevChips.forEach(function (c) { c.setAttribute('aria-pressed', String(c.getAttribute('data-severity-chip') === state.severity)); });
    groups.forEach(function (g) { g.hidden = state.severity !== 'all' && g.getAttribute('data-severity') !== state.severity; });
  };
  sevChips.forEach(function (chip) {
    chip.addEventListener('click', function () {
      state.severity = chip.getAttribute('data-severity-chip');
      applyFindings();
      writeState(true);
    });
  });
  window.addEventListener('popstate', function () {
    typing = false;
    state = readState();
    applyAdmins();
    applyFindings();
  });
  applyAdmins();
  applyFindings();

  /* Copy a proposed Graph request */
  $$('[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var source = doc.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      var text = source.textContent;
      var done = function () {
        button.textContent = 'Copied';
        button.setAttribute('data-copied', 'true');
        setTimeout(function () { button.textContent = 'Copy'; }, 2000);
      };
      var fallback = function () {
        var range = doc.createRange();
        range.selectNodeContents(source);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { if (doc.execCommand('copy')) done(); else button.textContent = 'Selected: press Ctrl+C'; } catch (err) { button.textContent = 'Selected: press Ctrl+C'; }
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
  });

  /* Downloads: the embedded rows as CSV (the server's toCsv, formula cells neutralised) or JSON */
  var exports = {};
  try { exports = JSON.parse(($('#export-data') || {}).textContent || '{}'); } catch (err) { exports = {}; }
  $$('[data-export]').forEach(function (button) {
    button.addEventListener('click', function () {
      var name = button.getAttribute('data-export');
      var format = button.getAttribute('data-format');
      var t = exports[name];
      if (!t) return;
      var csv = format === 'csv';
      // A byte-order mark so spreadsheet programs read the CSV as UTF-8.
      var text = csv ? '\\ufeff' + toCsv(t.columns, t.rows) : JSON.stringify(t.rows, null, 2) + '\\n';
      var blob = new Blob([text], { type: csv ? 'text/csv;charset=utf-8' : 'application/json' });
      var a = doc.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'admin-mfa-' + name + '-' + new Date().toISOString().slice(0, 10) + '.' + format;
      doc.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  });

  /* Print: everything visible and expanded */
  window.addEventListener('beforeprint', function () {
    $$('details').forEach(function (d) { d.open = true; });
    $$('tbody > tr[hidden]').forEach(function (r) { r.hidden = false; });
  });
})();
`;
