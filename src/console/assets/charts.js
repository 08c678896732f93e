/*
 * Dashboard charts drawn by uPlot (the npm package, served by Pasokh from node_modules: see routes.ts).
 * Categories (hours, Jalali days) run right to left like the page; labels and values are in Persian
 * digits; the canvas carries a spoken summary, since a screen reader cannot read pixels.
 */
'use strict';
(function () {
  const P = window.Pasokh;
  const nf = new Intl.NumberFormat('fa-IR');
  const FONT = '12px Vazirmatn, Tahoma, "Noto Sans Arabic", "DejaVu Sans", sans-serif';
  const AXIS = { stroke: '#1b1f24', font: FONT, grid: { stroke: '#e3e7ed', width: 1 }, ticks: { stroke: '#8a94a3', width: 1, size: 4 } };
  /** Count axes step by whole numbers only (there is no half a call). */
  const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];

  /** The canvas width that fits the container, its frame (console.css: a 1 px border) included. */
  const fit = (container) => Math.max(280, (container.clientWidth || 600) - 2);

  /** The live chart of each container, by its id (the browser tests read what was drawn from here). */
  const charts = {};

  /**
   * A bar series (the first) with line series over it, one value per category.
   * `categories`: [{label, short}] (label for the legend and summary, short under the axis);
   * `series`: [{label, values, color, kind: 'bars' | 'line'}]; `axisLabel` names the categories in the legend.
   */
  function categoryChart(container, { categories, series, label, axisLabel = 'دسته', empty, height = 240 }) {
    const old = charts[container.id];
    if (old) {
      old.observer.disconnect();
      old.plot.destroy();
      delete charts[container.id];
    }
    if (!categories.length || series.every((s) => s.values.every((v) => !v))) return P.empty(container, empty ?? 'هنوز داده‌ای برای این نمودار نیست.');
    if (typeof window.uPlot !== 'function') return P.state(container, 'error', 'کتابخانه‌ی نمودار بارگذاری نشد؛ صفحه را دوباره بارگذاری کنید.');
    const uPlot = window.uPlot;
    const n = categories.length;
    const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
    const every = Math.ceil(n / 12);
    const data = [categories.map((_, i) => i), ...series.map((s) => s.values.map((v) => v ?? 0))];
    const opts = {
      width: fit(container),
      height,
      scales: {
        // dir -1: the first category stands at the right edge, as a Persian reader starts.
        x: { time: false, dir: -1, range: () => [-0.5, n - 0.5] },
        y: { range: () => [0, max + Math.max(1, Math.ceil(max * 0.08))] },
      },
      axes: [
        {
          ...AXIS,
          grid: { show: false },
          splits: () => categories.map((_, i) => i).filter((i) => i % every === 0),
          values: (u, splits) => splits.map((i) => categories[i]?.short ?? ''),
        },
        { ...AXIS, side: 1, incrs: COUNT_STEPS, size: 44, values: (u, splits) => splits.map((v) => nf.format(v)) },
      ],
      series: [
        { label: axisLabel, value: (u, i) => (i == null ? '—' : categories[i]?.label ?? '—') },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.kind === 'bars' ? s.color : undefined,
          width: s.kind === 'bars' ? 0 : 2,
          paths: s.kind === 'bars' ? uPlot.paths.bars({ size: [0.7, 48], align: 0 }) : undefined,
          // Points mark each day of a short range; over many categories they would only be noise.
          points: { show: s.kind !== 'bars' && n <= 14, size: 6, fill: s.color },
          value: (u, v) => (v == null ? '—' : nf.format(v)),
        })),
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: true },
    };
    const box = document.createElement('div');
    container.replaceChildren(box);
    const plot = new uPlot(opts, data, box);
    const canvas = plot.ctx.canvas;
    canvas.setAttribute('role', 'img');
    const said = categories
      .map((c, i) => [c, series.map((s) => s.values[i] ?? 0)])
      .filter(([, vs]) => vs.some(Boolean))
      .map(([c, vs]) => `${c.label}: ${vs.map((v, k) => `${series[k].label} ${nf.format(v)}`).join('، ')}`);
    canvas.setAttribute('aria-label', `${label}. ${said.join('؛ ')}`);
    // The legend is uPlot's own table of series names and hovered values; its rows toggle a series by click.
    plot.root.querySelector('.u-legend')?.setAttribute('aria-hidden', 'true');
    const observer = new ResizeObserver(() => {
      const width = fit(container);
      if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height });
    });
    observer.observe(container);
    charts[container.id] = { plot, observer, categories, series };
    return plot;
  }

  P.categoryChart = categoryChart;
  P.charts = charts;
})();
