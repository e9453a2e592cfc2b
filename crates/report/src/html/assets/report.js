/* agentobs HTML report: draws the embedded data (aggregated by agentobs) with Chart.js.
   No network access: everything the page needs is in this file. */
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('agentobs-data').textContent);
  performance.mark('agentobs:parsed');
  // Okabe–Ito, without yellow on white for thin marks: safe for colour-blind readers.
  var PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
  var OTHER = '#999999';
  var charts = [];

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (attrs[k] === undefined || attrs[k] === null) continue;
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'class') e.className = attrs[k];
        else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
        else e.setAttribute(k, attrs[k]);
      }
    }
    (kids || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  // One formatter each: toLocaleString builds a new one per call, too slow for big tables.
  var INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  var USD2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function int(n) { return INT.format(Number(n || 0)); }
  function compact(n) {
    n = Number(n || 0);
    if (n >= 1e9) return (n / 1e9).toFixed(2) + 'B';
    if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'K';
    return int(n);
  }
  function usd(x) {
    if (x === null || x === undefined) return 'n/a';
    if (x === 0 || Math.abs(x) >= 1) return '$' + USD2.format(x);
    return '$' + x.toFixed(4);
  }
  function ms(v) {
    if (v === null || v === undefined) return '';
    if (v < 1000) return v + ' ms';
    if (v < 60000) return (v / 1000).toFixed(1) + ' s';
    return (v / 60000).toFixed(1) + ' min';
  }
  function when(t) {
    if (t === null || t === undefined) return '';
    return new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }
  function color(i, name) { return name === 'other' ? OTHER : PALETTE[i % PALETTE.length]; }
  function costCell(sum) {
    if (sum.unpriced && !sum.cost_usd) return el('td', { class: 'num', 'data-col': 'cost', 'data-value': '' }, [el('span', { class: 'badge unpriced', title: 'no price for this model', text: 'no price' })]);
    var td = el('td', { class: 'num', 'data-col': 'cost', 'data-value': sum.cost_usd }, [usd(sum.cost_usd)]);
    if (sum.unpriced) td.appendChild(el('span', { class: 'badge unpriced', title: 'a model here has no price: cost is a lower bound', text: ' +unpriced' }));
    return td;
  }
  function numCell(col, v, text) { return el('td', { class: 'num', 'data-col': col, 'data-value': v }, [text === undefined ? int(v) : text]); }
  function sessionHref(id) { return '#session=' + encodeURIComponent(id); }
  function table(head, rows, attrs) {
    var thead = el('thead', null, [el('tr', null, head.map(function (h) {
      return el('th', { class: /^(Cost|Input|Cached|Output|Reasoning|Total|Tokens|Sessions|Tools|Failures|Errors|Alerts|Requests|Duration|#)/.test(h) ? 'num' : null, scope: 'col', text: h });
    }))]);
    return el('table', attrs, [thead, el('tbody', null, rows)]);
  }
  function numbers(title, tbl) {
    return el('details', { class: 'numbers' }, [el('summary', { text: 'Numbers: ' + title }), el('div', { class: 'scroll' }, [tbl])]);
  }
  function chartBox(id, label, tall) {
    var canvas = el('canvas', { id: id, role: 'img', 'aria-label': label + ' (the numbers are in the table below)' });
    return { box: el('div', { class: tall ? 'chart tall' : 'chart' }, [canvas]), canvas: canvas };
  }
  function draw(canvas, config) {
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    charts.push(new Chart(canvas, config));
  }
  function stacked(canvas, days, series, field, money) {
    draw(canvas, {
      type: 'bar',
      data: {
        labels: days,
        datasets: series.map(function (s, i) {
          return { label: s.name, data: s[field], backgroundColor: color(i, s.name), borderWidth: 0 };
        })
      },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: money ? undefined : 0, callback: function (v) { return money ? usd(v) : compact(v); } } }
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + (money ? usd(c.raw) : int(c.raw)); } } }
        }
      }
    });
  }

  // ---------- overview ----------
  function cards() {
    var t = DATA.totals, m = DATA.meta, sev = { critical: 0, warning: 0, info: 0 };
    DATA.alerts.forEach(function (a) { sev[a.severity] = (sev[a.severity] || 0) + 1; });
    var failing = DATA.overview.sessions.filter(function (s) { return s.alerts > 0 || s.failures > 0; }).length;
    function card(label, id, value, text, sub) {
      return el('div', { class: 'card' }, [
        el('div', { class: 'label', text: label }),
        el('div', { class: 'value', id: id, 'data-value': value, text: text }),
        sub ? el('div', { class: 'sub', text: sub }) : null
      ]);
    }
    return el('section', { class: 'cards', 'aria-label': 'Totals' }, [
      t.cost_usd === null
        ? card('Cost of priced models', 'total-cost', '', usd(pricedCost()), 'unpriced: ' + t.unpriced_models.join(', '))
        : card('Total cost', 'total-cost', t.cost_usd, usd(t.cost_usd), 'every model priced'),
      card('Total tokens', 'total-tokens', t.total_tokens, compact(t.total_tokens),
        int(t.input_tokens) + ' in (' + int(t.cached_input_tokens) + ' cached) · ' + int(t.output_tokens) + ' out'),
      card('Sessions', 'session-count', t.sessions, int(t.sessions), failing + ' with alerts or failed tools'),
      card('Alerts', 'alert-count', DATA.alerts.length, int(DATA.alerts.length),
        sev.critical + ' critical · ' + sev.warning + ' warning · ' + sev.info + ' info'),
      card('Price book', 'price-book', m.price_book_date, m.price_book_date || '-', m.price_book_source)
    ]);
  }
  function pricedCost() {
    return DATA.overview.models.reduce(function (a, b) { return a + b.cost_usd; }, 0);
  }
  function banners() {
    var out = [], t = DATA.totals, m = DATA.meta;
    if (t.unpriced_models.length) {
      out.push(el('p', { class: 'banner bad', id: 'unpriced' }, [el('strong', { text: 'No price for: ' }),
        t.unpriced_models.join(', ') + '. Their tokens are counted; their cost is not, so costs marked +unpriced are lower bounds. Give prices with --price-book.']));
    }
    if (t.inferred_models.length) {
      out.push(el('p', { class: 'banner note' }, ['Model inferred (the rollout names none) for: ' + t.inferred_models.join(', ') + '.']));
    }
    if (m.warnings) {
      out.push(el('p', { class: 'banner warn' }, [int(m.warnings) + ' problems met while reading; run agentobs report to see each with its file and line.']));
    }
    return out;
  }
  function overTime() {
    var o = DATA.overview, figs = [];
    function fig(title, id, field, money, series, key) {
      var c = chartBox(id, title);
      var head = ['Day'].concat(series.map(function (s) { return s.name; }), [money ? 'Cost' : 'Tokens']);
      var rows = o.days.map(function (d, i) {
        var total = 0;
        var cells = series.map(function (s) { total += s[field][i]; return numCell(s.name, s[field][i], money ? usd(s[field][i]) : int(s[field][i])); });
        return el('tr', null, [el('td', { text: d })].concat(cells, [numCell('total', total, money ? usd(total) : int(total))]));
      });
      figs.push({ el: el('figure', null, [el('figcaption', { text: title }), c.box, numbers(title, table(head, rows, { id: key }))]), canvas: c.canvas, series: series, field: field, money: money });
    }
    fig('Cost per day, by model', 'chart-cost-model', 'cost', true, o.by_model, 'table-cost-day');
    fig('Tokens per day, by model', 'chart-tokens-model', 'tokens', false, o.by_model, 'table-tokens-day');
    if (o.by_harness.length) {
      fig('Cost per day, by harness', 'chart-cost-harness', 'cost', true, o.by_harness, 'table-cost-harness');
      fig('Tokens per day, by harness', 'chart-tokens-harness', 'tokens', false, o.by_harness, 'table-tokens-harness');
    }
    var sec = el('section', null, [el('h2', { text: 'Where the money went' }), el('div', { class: 'grid2' }, figs.map(function (f) { return f.el; }))]);
    return { el: sec, later: function () { figs.forEach(function (f) { stacked(f.canvas, o.days, f.series, f.field, f.money); }); } };
  }
  function modelsTable() {
    var rows = DATA.overview.models.map(function (b) {
      return el('tr', { 'data-model': b.name }, [el('td', { text: b.name }),
        numCell('input_tokens', b.input_tokens), numCell('cached_input_tokens', b.cached_input_tokens),
        numCell('output_tokens', b.output_tokens), numCell('reasoning_output_tokens', b.reasoning_output_tokens),
        numCell('total_tokens', b.total_tokens), costCell(b)]);
    });
    return el('section', null, [el('h2', { text: 'Models' }),
      el('div', { class: 'scroll' }, [table(['Model', 'Input', 'Cached', 'Output', 'Reasoning', 'Total', 'Cost'], rows, { id: 'models-table' })])]);
  }
  function breakdowns() {
    var o = DATA.overview, figs = [];
    [['developer', 'Cost by developer'], ['repo', 'Cost by repository'], ['branch', 'Cost by branch'], ['task_type', 'Cost by task type']].forEach(function (p) {
      var bars = o[p[0]];
      var c = chartBox('chart-' + p[0], p[1]);
      var label = function (b) { return b.folded ? 'other (' + b.folded + ' more)' : b.name; };
      var rows = bars.map(function (b) {
        return el('tr', { 'data-name': b.name }, [el('td', { text: label(b) }), numCell('total_tokens', b.total_tokens), costCell(b)]);
      });
      figs.push({ el: el('figure', null, [el('figcaption', { text: p[1] }), c.box, numbers(p[1], table([p[0] === 'task_type' ? 'Task type' : p[0][0].toUpperCase() + p[0].slice(1), 'Tokens', 'Cost'], rows, { id: 'table-' + p[0] }))]),
        draw: function () {
          draw(c.canvas, {
            type: 'bar',
            data: { labels: bars.map(label), datasets: [{ label: 'Cost', maxBarThickness: 26, data: bars.map(function (b) { return b.cost_usd; }), backgroundColor: bars.map(function (b, i) { return b.folded ? OTHER : PALETTE[0]; }) }] },
            options: { indexAxis: 'y', plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (x) { return usd(x.raw); } } } },
              scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return usd(v); } } }, y: { ticks: { autoSkip: false, callback: function (v) { var s = this.getLabelForValue(v); return s.length > 28 ? s.slice(0, 27) + '…' : s; } } } } }
          });
        } });
    });
    return { el: el('section', null, [el('h2', { text: 'Who and what' }), el('div', { class: 'grid4' }, figs.map(function (f) { return f.el; }))]),
      later: function () { figs.forEach(function (f) { f.draw(); }); } };
  }
  // The most expensive sessions, marked by what went wrong, and the alerts by rule.
  function trouble() {
    var top = DATA.overview.sessions.filter(function (x) { return !x.parent; }).slice(0, 15);
    var mark = function (x) { return x.alerts ? PALETTE[5] : x.failures || x.errors ? PALETTE[1] : PALETTE[0]; };
    var what = function (x) { return x.alerts ? x.alerts + ' alerts' : x.failures || x.errors ? x.failures + ' failed tools, ' + x.errors + ' errors' : 'clean'; };
    var short = function (id) { return id.length > 14 ? id.slice(0, 13) + '…' : id; };
    var c1 = chartBox('chart-top-sessions', 'The ' + top.length + ' most expensive sessions, coloured by alerts and failures', true);
    var t1 = table(['Session', 'Cost', 'Tokens', 'What went wrong'], top.map(function (x) {
      return el('tr', null, [el('td', null, [sessionLink(x.id, x.detail)]), costCell(x), numCell('total_tokens', x.total_tokens), el('td', { text: what(x) })]);
    }), { id: 'table-top-sessions' });
    var rules = {}, rank = { critical: 3, warning: 2, info: 1 };
    DATA.alerts.forEach(function (a) {
      var r = rules[a.rule] || (rules[a.rule] = { rule: a.rule, n: 0, sessions: {}, worst: 'info' });
      r.n += 1; r.sessions[a.session || '-'] = 1;
      if (rank[a.severity] > rank[r.worst]) r.worst = a.severity;
    });
    var byRule = Object.keys(rules).map(function (k) { return rules[k]; }).sort(function (a, b) { return b.n - a.n || a.rule.localeCompare(b.rule); });
    var c2 = chartBox('chart-alert-rules', 'Alerts by rule', true);
    var t2 = table(['Rule', 'Alerts', 'Sessions', 'Worst'], byRule.map(function (r) {
      return el('tr', null, [el('td', { text: r.rule }), numCell('alerts', r.n), numCell('sessions', Object.keys(r.sessions).length), el('td', null, [el('span', { class: 'badge ' + r.worst, text: r.worst })])]);
    }), { id: 'table-alert-rules' });
    var figs = [el('figure', null, [el('figcaption', { text: 'Most expensive sessions' }), c1.box,
      el('p', { class: 'muted', text: 'Vermillion: alerts; orange: failed tools or errors; blue: clean. Click a bar for its page.' }), numbers('most expensive sessions', t1)])];
    if (byRule.length) figs.push(el('figure', null, [el('figcaption', { text: 'Alerts by rule' }), c2.box, numbers('alerts by rule', t2)]));
    return { el: el('section', null, [el('h2', { text: 'Which sessions went wrong' }), el('div', { class: 'grid2' }, figs)]),
      later: function () {
        if (top.length) draw(c1.canvas, {
          type: 'bar',
          data: { labels: top.map(function (x) { return short(x.id); }), datasets: [{ label: 'Cost', maxBarThickness: 22, data: top.map(function (x) { return x.cost_usd; }), backgroundColor: top.map(mark) }] },
          options: { indexAxis: 'y', onClick: function (e, items) { var x = items.length && top[items[0].index]; if (x && x.detail) location.hash = 'session=' + encodeURIComponent(x.id); },
            plugins: { legend: { display: false }, tooltip: { callbacks: { title: function (i) { return top[i[0].dataIndex].id; }, label: function (i) { var x = top[i.dataIndex]; return usd(x.cost_usd) + ', ' + what(x); } } } },
            scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return usd(v); } } }, y: { ticks: { autoSkip: false, font: { family: 'monospace' } } } } }
        });
        if (byRule.length) draw(c2.canvas, {
          type: 'bar',
          data: { labels: byRule.map(function (r) { return r.rule; }), datasets: [{ label: 'Alerts', maxBarThickness: 22, data: byRule.map(function (r) { return r.n; }),
            backgroundColor: byRule.map(function (r) { return r.worst === 'critical' ? PALETTE[5] : r.worst === 'warning' ? PALETTE[1] : PALETTE[0]; }) }] },
          options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } }
        });
      } };
  }
  function sessionLink(id, has) {
    return has ? el('a', { href: sessionHref(id), class: 'id', text: id }) : el('span', { class: 'id', text: id });
  }
  function alertsTable() {
    var has = {};
    DATA.overview.sessions.forEach(function (s) { has[s.id] = s.detail; });
    var rank = { critical: 0, warning: 1, info: 2 };
    var sorted = DATA.alerts.slice().sort(function (a, b) { return (rank[a.severity] - rank[b.severity]) || (a.at_ms - b.at_ms); });
    var rows = sorted.map(function (a) {
      return el('tr', null, [el('td', null, [el('span', { class: 'badge ' + a.severity, text: a.severity })]), el('td', { text: a.rule }),
        el('td', null, [a.session ? sessionLink(a.session, DATA.details[a.session] !== undefined) : '-']), el('td', { text: when(a.at_ms) }), el('td', { text: a.message })]);
    });
    var body = rows.length ? el('div', { class: 'scroll' }, [table(['Severity', 'Rule', 'Session', 'At', 'Message'], rows, { id: 'alerts-table' })])
      : el('p', { class: 'muted', text: 'No alerts: the anomaly rules found nothing.' });
    return el('section', null, [el('h2', { text: 'What went wrong (' + DATA.alerts.length + ' alerts)' }), body]);
  }
  var COLS = [
    ['Session', 'id', 's'], ['Started', 'start', 's'], ['Models', 'models', 's'], ['Developer', 'developer', 's'], ['Repo', 'repo', 's'],
    ['Branch', 'branch', 's'], ['Task', 'task_type', 's'], ['Cost', 'cost_usd', 'n'], ['Tokens', 'total_tokens', 'n'],
    ['Tools', 'tools', 'n'], ['Failures', 'failures', 'n'], ['Errors', 'errors', 'n'], ['Alerts', 'alerts', 'n']
  ];
  function sessionsTable() {
    var all = DATA.overview.sessions.map(function (s) {
      s.start = s.start_ms ? when(s.start_ms) : s.day;
      s.text = [s.id, s.models.join(' '), s.developer, s.repo, s.branch, s.task_type, s.harness].join(' ').toLowerCase();
      return s;
    });
    var tbody = el('tbody');
    var count = el('span', { id: 'session-rows', class: 'muted' });
    // At most `limit` rows are in the page at a time (a table of thousands of rows takes
    // seconds to lay out); sorting and filtering always cover every session.
    var PAGE = 100;
    var state = { key: 'cost_usd', dir: -1, q: '', only: false, limit: PAGE };
    var more = el('button', { type: 'button', id: 'session-more', onclick: function () { state.limit += 5 * PAGE; render(); } });
    var everything = el('button', { type: 'button', id: 'session-all', onclick: function () { state.limit = Infinity; render(); } }, ['Show all']);
    var ths = COLS.map(function (c) {
      return el('th', { scope: 'col', class: c[2] === 'n' ? 'num' : null, 'data-key': c[1], 'aria-sort': c[1] === state.key ? 'descending' : 'none' },
        [el('button', { class: 'sort', type: 'button', text: c[0], onclick: function () { sortBy(c[1], c[2]); } })]);
    });
    function row(s) {
      var cls = (s.alerts ? 'alerted ' : '') + (s.failures ? 'failed' : '');
      return el('tr', { class: cls || null, 'data-session': s.id }, [
        el('td', null, [s.parent ? '↳ ' : '', sessionLink(s.id, s.detail)]), el('td', { text: s.start }), el('td', { text: s.models.join(', ') }),
        el('td', { text: s.developer }), el('td', { text: s.repo }), el('td', { text: s.branch }), el('td', { text: s.task_type }),
        costCell(s), numCell('total_tokens', s.total_tokens, compact(s.total_tokens)), numCell('tools', s.tools), numCell('failures', s.failures),
        numCell('errors', s.errors), el('td', { class: 'num', 'data-col': 'alerts', 'data-value': s.alerts }, [s.alerts ? el('span', { class: 'badge warning', text: String(s.alerts) }) : '0'])
      ]);
    }
    function render() {
      var q = state.q, shown = all.filter(function (s) {
        return (!q || s.text.indexOf(q) >= 0) && (!state.only || s.alerts > 0 || s.failures > 0 || s.errors > 0);
      });
      shown.sort(function (a, b) {
        var x = a[state.key], y = b[state.key];
        if (Array.isArray(x)) { x = x.join(','); y = y.join(','); }
        var c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
        return c * state.dir || a.id.localeCompare(b.id);
      });
      var frag = document.createDocumentFragment();
      shown.slice(0, state.limit).forEach(function (s) { frag.appendChild(row(s)); });
      tbody.textContent = '';
      tbody.appendChild(frag);
      var listed = Math.min(shown.length, state.limit), rest = shown.length - listed;
      count.textContent = shown.length + ' of ' + all.length + ' sessions match' + (rest ? ', first ' + listed + ' listed' : '');
      count.setAttribute('data-total', all.length);
      count.setAttribute('data-matching', shown.length);
      count.setAttribute('data-listed', listed);
      more.hidden = everything.hidden = rest === 0;
      more.textContent = 'Show ' + Math.min(rest, 5 * PAGE) + ' more';
    }
    function sortBy(key, kind) {
      state.dir = state.key === key ? -state.dir : (kind === 'n' ? -1 : 1);
      state.key = key;
      ths.forEach(function (th) { th.setAttribute('aria-sort', th.getAttribute('data-key') === key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none'); });
      render();
    }
    var search = el('input', { type: 'search', id: 'session-filter', placeholder: 'Filter: id, model, developer, repo, branch…', 'aria-label': 'Filter sessions',
      oninput: function (e) { state.q = e.target.value.trim().toLowerCase(); state.limit = PAGE; render(); } });
    var only = el('input', { type: 'checkbox', id: 'only-trouble', onchange: function (e) { state.only = e.target.checked; state.limit = PAGE; render(); } });
    render();
    return el('section', null, [el('h2', { text: 'Sessions' }),
      el('p', { class: 'muted', text: 'Pages (linked ids) for the ' + DATA.meta.top_n + ' most expensive sessions and every session with an alert. Forks and sub-agents (↳) are listed on their own and rolled into their root.' }),
      el('div', { class: 'controls' }, [search, el('label', null, [only, ' only sessions with alerts, failures or errors']), count]),
      el('div', { class: 'scroll', style: 'max-height:560px' }, [el('table', { class: 'sortable', id: 'sessions-table' }, [el('thead', null, [el('tr', null, ths)]), tbody])]),
      el('div', { class: 'controls' }, [more, everything])]);
  }
  function overview() {
    var main = document.getElementById('overview');
    if (!DATA.overview.sessions.length) {
      [cards(), el('p', { class: 'banner warn', id: 'no-usage', text: 'No model usage in the input' + (DATA.meta.since || DATA.meta.until ? ' in the date range' : '') + ': no rollout with token counts was found.' })].concat(banners(), [alertsTable()])
        .forEach(function (s) { main.appendChild(s); });
      return;
    }
    var time = overTime(), bd = breakdowns(), tr = trouble();
    [cards()].concat(banners(), [tr.el, time.el, modelsTable(), bd.el, alertsTable()]).forEach(function (s) { main.appendChild(s); });
    // Charts first: each measures its box, which lays out the page; the big session table
    // comes after, so that it is laid out once.
    tr.later();
    time.later();
    bd.later();
    performance.mark('agentobs:charts');
    main.appendChild(sessionsTable());
    performance.mark('agentobs:table');
  }

  // ---------- session page ----------
  var KIND = { session_start: 'session start', turn_start: 'turn start', turn_end: 'turn end', prompt: 'prompt', request: 'model request', attempt: 'API attempt',
    tool: 'tool call', decision: 'approval', guardian: 'guardian', compaction: 'compaction', error: 'error' };
  function describe(e) {
    switch (e.k) {
      case 'session_start': return 'Session started' + (e.approval ? ', approval ' + e.approval : '') + (e.sandbox ? ', sandbox ' + e.sandbox : '');
      case 'turn_start': return 'Turn ' + (e.turn || '') + ' started' + (e.trigger ? ' (' + e.trigger + ')' : '');
      case 'turn_end': return 'Turn ' + (e.turn || '') + (e.error ? ' failed: ' + e.error : e.aborted ? ' aborted: ' + e.aborted : ' completed') + (e.ttft_ms ? ', first token after ' + ms(e.ttft_ms) : '');
      case 'prompt': return 'User prompt, ' + int(e.length) + ' characters';
      case 'request': return e.model + ': ' + int(e.input) + ' in (' + int(e.cached) + ' cached), ' + int(e.output) + ' out' + (e.reasoning ? ' (' + int(e.reasoning) + ' reasoning)' : '');
      case 'attempt': return (e.attempt > 0 ? 'Retry ' + e.attempt : 'Attempt') + (e.status ? ', HTTP ' + e.status : '') + (e.error ? ': ' + e.error : '');
      case 'tool': return e.tool + (e.blocked_by ? ' blocked by ' + e.blocked_by : '') + (e.exit_code !== undefined && e.exit_code !== null ? ', exit ' + e.exit_code : '');
      case 'decision': return e.tool + ': ' + e.decision + (e.source ? ' by ' + e.source : '');
      case 'guardian': return 'Verdict ' + e.decision + (e.risk ? ', risk ' + e.risk : '') + (e.authorization ? ', user authorisation ' + e.authorization : '');
      case 'compaction': return 'History compacted' + (e.items ? ' to ' + e.items + ' items' : '');
      case 'error': return (e.kind ? e.kind + ': ' : '') + e.message;
    }
    return e.k;
  }
  function outcome(e) {
    if (e.k === 'tool' && e.blocked_by) return el('span', { class: 'flag', text: 'blocked, never ran' });
    if (e.k === 'tool') {
      var truth = e.success === true ? 'succeeded' : e.success === false ? 'failed' : 'unknown';
      if (e.claimed !== undefined && e.claimed !== null && e.success !== undefined && e.success !== null && e.claimed !== e.success) {
        return el('span', { class: 'flag', title: 'the harness reported otherwise', text: (e.claimed ? 'Codex said succeeded' : 'Codex said failed') + ', it ' + truth });
      }
      return el('span', { class: e.success === false ? 'flag' : 'okc', text: truth });
    }
    if (e.k === 'decision' || e.k === 'guardian') return el('span', { class: /^approved|amendment/.test(e.decision) ? 'okc' : 'flag', text: e.decision });
    if (e.k === 'error' || (e.k === 'turn_end' && (e.error || e.aborted)) || (e.k === 'attempt' && e.error)) return el('span', { class: 'flag', text: 'error' });
    return '';
  }
  function session(id) {
    var main = document.getElementById('session');
    main.textContent = '';
    var d = DATA.details[id];
    var row = DATA.overview.sessions.filter(function (s) { return s.id === id; })[0];
    main.appendChild(el('a', { href: '#', class: 'back', text: '← Overview' }));
    main.appendChild(el('h2', { id: 'session-title' }, ['Session ', el('span', { class: 'id', text: id })]));
    if (!d) { main.appendChild(el('p', { text: 'This session has no page: only the top sessions by cost and sessions with alerts have one.' })); return; }
    var facts = [];
    function fact(k, v) { if (v !== undefined && v !== null && v !== '') facts.push(el('div', null, [el('span', { text: k }), el('span', { text: String(v) })])); }
    if (row) {
      fact('Cost', usd(row.cost_usd) + (row.unpriced ? ' (+unpriced)' : ''));
      fact('Tokens', int(row.total_tokens) + ' (' + int(row.input_tokens) + ' in, ' + int(row.output_tokens) + ' out)');
      fact('Models', row.models.join(', '));
      fact('Developer', row.developer); fact('Repository', row.repo); fact('Branch', row.branch); fact('Task type', row.task_type);
      fact('Harness', row.harness); fact('Root session', row.parent);
      fact('Tools', row.tools + ' calls, ' + row.failures + ' failed');
    }
    var count = function (f) { return d.entries.filter(f).length; };
    fact('Model requests', count(function (e) { return e.k === 'request'; }) + ', ' + count(function (e) { return e.k === 'attempt' && e.attempt > 0; }) + ' retries');
    fact('Approvals', count(function (e) { return e.k === 'decision'; }) + ' decisions, ' + count(function (e) { return e.k === 'guardian'; }) + ' guardian verdicts');
    fact('Compactions', count(function (e) { return e.k === 'compaction'; }));
    fact('Errors', count(function (e) { return e.k === 'error'; }));
    Object.keys(d.settings).forEach(function (k) { fact(k[0].toUpperCase() + k.slice(1), d.settings[k]); });
    var t0 = d.entries.length ? d.entries[0].t : 0, t1 = d.entries.length ? d.entries[d.entries.length - 1].t : 0;
    fact('Started', when(t0)); fact('Span', ms(t1 - t0));
    fact('Files', d.files.join(', '));
    d.threads.forEach(function (t, i) { fact('Thread ↳' + (i + 1), t); });
    main.appendChild(el('div', { class: 'facts', id: 'session-facts' }, facts));
    if (d.dropped) main.appendChild(el('p', { class: 'banner warn', text: int(d.dropped) + ' later events are not shown (the page keeps the first ' + int(d.entries.length) + ').' }));
    // Alerts, each linked to the event that raised it.
    var pinned = {};
    d.entries.forEach(function (e, i) { (e.alerts || []).forEach(function (a) { pinned[a] = i; }); });
    if (d.alerts.length) {
      main.appendChild(el('h3', { text: 'Alerts (' + d.alerts.length + ')' }));
      main.appendChild(el('ul', { id: 'session-alerts' }, d.alerts.map(function (a, i) {
        var go = pinned[i] !== undefined ? el('button', { type: 'button', text: 'show event', onclick: function () { var r = document.getElementById('entry-' + pinned[i]); if (r) { r.scrollIntoView({ block: 'center' }); r.focus(); } } }) : null;
        return el('li', null, [el('span', { class: 'badge ' + a.severity, text: a.severity }), ' ', el('strong', { text: a.rule }), ' ' + a.message + ' ', go]);
      })));
    }
    // The waterfall of turns.
    var turns = d.turns.slice(0, 200);
    if (turns.length) {
      var c = chartBox('chart-waterfall', 'Waterfall of the turns: start and end of each, in seconds from the session start');
      c.box.style.height = Math.min(1400, 80 + turns.length * 22) + 'px';
      var rows = turns.map(function (t) {
        return el('tr', { class: t.error || t.failures ? 'failed' : null }, [numCell('n', t.n, t.n + (t.sub !== undefined ? ' ↳' + (t.sub + 1) : '')), el('td', { text: when(t.start) }), numCell('duration', t.end - t.start, ms(t.end - t.start)),
          numCell('requests', t.requests), numCell('tools', t.tools), numCell('failures', t.failures), numCell('tokens', t.tokens), numCell('cost', t.cost, usd(t.cost)), el('td', { text: t.error || '' })]);
      });
      main.appendChild(el('figure', null, [el('figcaption', { text: 'Turns (' + d.turns.length + (d.turns.length > turns.length ? ', first ' + turns.length + ' drawn' : '') + ')' }), c.box,
        numbers('turns', table(['#', 'Start', 'Duration', 'Requests', 'Tools', 'Failures', 'Tokens', 'Cost', 'Ended with'], rows, { id: 'turns-table' }))]));
      draw(c.canvas, {
        type: 'bar',
        data: { labels: turns.map(function (t) { return 'Turn ' + t.n + (t.sub !== undefined ? ' ↳' + (t.sub + 1) : ''); }),
          datasets: [{ label: 'Turn', maxBarThickness: 18, minBarLength: 3, data: turns.map(function (t) { return [(t.start - t0) / 1000, Math.max((t.end - t0) / 1000, (t.start - t0) / 1000 + 0.05)]; }),
            backgroundColor: turns.map(function (t) { return t.error ? PALETTE[5] : t.failures ? PALETTE[1] : PALETTE[0]; }) }] },
        options: { indexAxis: 'y', plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (x) {
          var t = turns[x.dataIndex];
          return ms(t.end - t.start) + ', ' + t.requests + ' requests, ' + t.tools + ' tools (' + t.failures + ' failed), ' + int(t.tokens) + ' tokens, ' + usd(t.cost) + (t.error ? ', ' + t.error : '');
        } } } }, scales: { x: { title: { display: true, text: 'seconds from start' }, beginAtZero: true }, y: { ticks: { autoSkip: true } } } }
      });
      main.appendChild(el('p', { class: 'muted', text: 'Blue: turn; orange: a tool call failed; vermillion: the turn failed or was aborted. ↳N: a turn of fork or sub-agent N (listed above).' }));
    }
    // The timeline.
    var body = d.entries.map(function (e, i) {
      var cls = [e.alerts && e.alerts.length ? 'alerted' : '', e.k === 'turn_start' ? 'turn' : '', (e.k === 'tool' && e.success === false) || e.k === 'error' ? 'failed' : ''].join(' ').trim();
      var badges = (e.alerts || []).map(function (a) { var n = d.alerts[a]; return el('span', { class: 'badge ' + n.severity, title: n.message, text: n.rule }); });
      return el('tr', { id: 'entry-' + i, tabindex: '-1', class: cls || null, 'data-kind': e.k }, [
        numCell('offset', e.t - t0, '+' + ((e.t - t0) / 1000).toFixed(1) + ' s'),
        el('td', { title: e.sub !== undefined ? 'thread ' + d.threads[e.sub] : null, text: (e.turn || '') + (e.sub !== undefined ? ' ↳' + (e.sub + 1) : '') }),
        el('td', { text: KIND[e.k] || e.k }),
        el('td', null, [describe(e)].concat(badges.length ? [' '].concat(badges) : [])),
        numCell('tokens', e.k === 'request' ? e.input + e.output : '', e.k === 'request' ? int(e.input + e.output) : ''),
        el('td', { class: 'num', text: e.k === 'request' ? usd(e.cost) : '' }),
        el('td', { class: 'num', text: ms(e.duration_ms) }), el('td', null, [outcome(e)]),
        el('td', { class: 'muted', text: e.line ? 'line ' + e.line : '' })
      ]);
    });
    main.appendChild(el('h3', { text: 'Timeline (' + d.entries.length + ' events)' }));
    main.appendChild(el('div', { class: 'scroll', style: 'max-height:none' }, [table(['At', 'Turn', 'What', 'Detail', 'Tokens', 'Cost', 'Duration', 'Outcome', 'Source'], body, { id: 'timeline' })]));
  }

  // ---------- routing ----------
  function route() {
    var m = /^#session=(.+)$/.exec(location.hash);
    var ov = document.getElementById('overview'), se = document.getElementById('session');
    if (m) {
      ov.hidden = true; se.hidden = false;
      var id;
      try { id = decodeURIComponent(m[1]); } catch (err) { id = m[1]; }
      session(id);
      window.scrollTo(0, 0);
    } else {
      se.hidden = true; ov.hidden = false;
      se.textContent = '';
    }
  }
  function metaLine() {
    var m = DATA.meta, parts = [];
    if (m.generated) parts.push('made ' + m.generated);
    if (m.timezone) parts.push('days in ' + m.timezone);
    if (m.since || m.until) parts.push('from ' + (m.since || 'the start') + ' to ' + (m.until || 'today'));
    parts.push('prices as of ' + (m.price_book_date || '?') + (m.price_book_source ? ' (' + m.price_book_source + ')' : ''));
    parts.push('agentobs ' + m.version);
    document.getElementById('meta-line').textContent = parts.join(' · ');
  }
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.numbers').forEach(function (d) { d.dataset.wasOpen = d.open ? '1' : ''; d.open = true; });
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener('afterprint', function () {
    document.querySelectorAll('details.numbers').forEach(function (d) { d.open = d.dataset.wasOpen === '1'; });
  });
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.color = '#1d1d1f';
  metaLine();
  overview();
  window.addEventListener('hashchange', route);
  route();
  document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.documentElement.setAttribute('data-ready', '1');
}());
