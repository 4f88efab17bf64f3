namespace Atelier.Coordinator.Reports.Render;

/// <summary>The report page's inline stylesheet (screen and print) and its only script: sorting the trial table.</summary>
public static class ReportAssets
{
    public const string Css = """
        :root { --fg: #1a1a1a; --muted: #555; --rule: #d0d0d0; --band: #f4f4f4; --best: #D55E00; --blue: #0072B2; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); margin: 0 auto; padding: 1.2rem 1.5rem 3rem; max-width: 1200px; }
        h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
        h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 2px solid var(--rule); padding-bottom: .2rem; }
        h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
        .sub { color: var(--muted); margin: 0 0 1rem; }
        .badge { display: inline-block; padding: .05rem .5rem; border-radius: .7rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
        .badge.live { color: #00734f; } .badge.final { color: var(--blue); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .6rem; }
        .card { border: 1px solid var(--rule); border-radius: .4rem; padding: .5rem .7rem; }
        .card .k { color: var(--muted); font-size: .8rem; } .card .v { font-size: 1.3rem; font-weight: 600; }
        .note { color: var(--muted); font-size: .85rem; }
        dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0; }
        dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1rem; }
        svg.chart { width: 100%; height: auto; max-width: 100%; background: #fff; }
        svg.parallel { max-width: 1120px; }
        .chart-title { font-size: 14px; font-weight: 600; fill: var(--fg); }
        .tick { font-size: 11px; fill: #333; } .axis-label { font-size: 12px; fill: #222; }
        .legend { font-size: 11px; fill: #222; }
        .axis { stroke: #333; stroke-width: 1; } .grid { stroke: #e3e3e3; stroke-width: 1; }
        .reference { stroke: #000; stroke-width: 1.2; stroke-dasharray: 6 4; } .reference-label { font-size: 11px; fill: #000; }
        .point { stroke: #fff; stroke-width: .8; fill-opacity: .85; } .point.best { stroke: #000; stroke-width: 1.6; fill-opacity: 1; }
        .curve { fill: none; stroke-width: 1; stroke-opacity: .35; } .curve.best { stroke-width: 3; stroke-opacity: 1; }
        .series { fill: none; stroke-width: 2.2; } .series.dashed { stroke-dasharray: 7 4; }
        .legend-line { stroke-width: 3; } .legend-marker { stroke: #fff; }
        .pc { fill: none; stroke-width: 1; stroke-opacity: .25; } .pc.top { stroke-width: 1.5; stroke-opacity: .7; } .pc.best { stroke-width: 3.5; stroke-opacity: 1; }
        .bar-label { font-size: 10px; fill: #222; text-anchor: middle; }
        table.trials { border-collapse: collapse; width: 100%; font-size: .85rem; font-variant-numeric: tabular-nums; }
        table.trials th, table.trials td { border-bottom: 1px solid var(--rule); padding: .25rem .5rem; text-align: right; white-space: nowrap; }
        table.trials th { position: sticky; top: 0; background: #fff; cursor: pointer; user-select: none; }
        table.trials th[aria-sort=ascending]::after { content: " ▲"; } table.trials th[aria-sort=descending]::after { content: " ▼"; }
        table.trials td.t, table.trials th.t { text-align: left; }
        table.trials td.err { white-space: normal; max-width: 22rem; color: #8a2b00; text-align: left; }
        table.trials tr.best td { background: #fde7d6; font-weight: 600; }
        table.trials.compact { width: auto; } table.trials.compact th { cursor: default; }
        svg .heat-value { font-size: 11px; } svg .heat-value.light { fill: #fff; }
        svg rect.heat-cell.best { stroke: #D55E00; stroke-width: 3; }
        table.trials tbody tr:nth-child(even):not(.best) td { background: var(--band); }
        .table-wrap { overflow-x: auto; max-height: 36rem; overflow-y: auto; border: 1px solid var(--rule); }
        table.grid { border-collapse: collapse; margin: .4rem 0 1rem; }
        table.grid th { font-size: .8rem; font-weight: 600; padding: .2rem .4rem; color: #333; }
        table.grid th.corner { text-align: left; color: var(--muted); }
        table.grid td { vertical-align: top; padding: .25rem; border: 1px solid var(--rule); }
        table.grid td.best { outline: 3px solid var(--best); outline-offset: -3px; }
        figure { margin: 0; } figure img { display: block; image-rendering: auto; }
        figcaption { font-size: .72rem; line-height: 1.25; color: #333; max-width: 200px; }
        figcaption b { color: var(--fg); }
        .inputs { display: flex; gap: 1.2rem; flex-wrap: wrap; }
        .strip { display: flex; gap: .3rem; align-items: flex-end; margin: .3rem 0 .8rem; flex-wrap: wrap; }
        .strip .who { font-size: .8rem; min-width: 12rem; align-self: center; }
        .strip figcaption { text-align: center; }
        .views { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: flex-start; }
        .views figure { max-width: 100%; min-width: 0; } .views img { max-width: 100%; height: auto; }
        .views figcaption { max-width: 38rem; font-size: .8rem; margin-top: .25rem; }
        .empty { color: var(--muted); font-size: .8rem; padding: 1rem; }
        footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10.5pt; }
          h2 { break-after: avoid; } .chart, figure, table.grid, .strip, .card { break-inside: avoid; }
          .charts { grid-template-columns: 1fr 1fr; }
          .table-wrap { max-height: none; overflow: visible; border: 0; }
          table.trials th { position: static; } table.trials th::after { content: "" !important; }
          table.trials tbody tr:nth-child(even):not(.best) td { background: none; }
          tr.best td, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          .noprint { display: none; }
        }
        """;

    /// <summary>Click (or Enter on) a column header to sort by it; again to reverse. Numbers sort by their data-v.</summary>
    public const string Script = """
        (function () {
          'use strict';
          function key(cell) { return cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim(); }
          document.querySelectorAll('table.sortable').forEach(function (table) {
            var heads = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(heads, function (th, col) {
              th.tabIndex = 0;
              function sort() {
                var ascending = th.getAttribute('aria-sort') !== 'ascending';
                Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
                th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
                var numeric = th.getAttribute('data-type') === 'number';
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = key(a.cells[col]), y = key(b.cells[col]);
                  if (numeric) {
                    x = x === '' ? NaN : parseFloat(x); y = y === '' ? NaN : parseFloat(y);
                    if (isNaN(x) || isNaN(y)) return isNaN(x) ? (isNaN(y) ? 0 : 1) : -1;
                    return ascending ? x - y : y - x;
                  }
                  return ascending ? x.localeCompare(y) : y.localeCompare(x);
                });
                var fragment = document.createDocumentFragment();
                rows.forEach(function (r) { fragment.appendChild(r); });
                body.appendChild(fragment);
              }
              th.addEventListener('click', sort);
              th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
            });
          });
        })();
        """;
}
