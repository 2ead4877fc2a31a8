/* The dashboard's charts (ECharts): each element with data-chart="<id>" is drawn from the JSON of the
   <script type="application/json" id="<id>"> beside it (json_script: the Content-Security-Policy allows no inline
   script). A config: kind ("line" or "bar"), unit ("money", "count", "percent", "days"), horizontal (a top 10),
   categories (the rows' labels) and two series, the period's and the compared one's, each with its values and the
   URL of the list behind each value, which a click or a tap on the bar or point opens. */
(function () {
  "use strict";
  const labels = (document.currentScript && document.currentScript.dataset) || {};
  const language = document.documentElement.lang || undefined;
  const full = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  // 1.2万 in Chinese, 12K in English: axis labels stay short on a phone.
  const compact = new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 });

  const PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#ffc107", "#6c757d"];

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function written(value, unit) {
    if (value === null || value === undefined) return "—";
    const text = full.format(value);
    return unit === "percent" ? text + "%" : text;
  }

  function options(config) {
    const horizontal = config.horizontal;
    const categoryAxis = {
      type: "category",
      data: config.categories,
      inverse: horizontal, // the largest row on top
      axisLabel: horizontal ? { width: 110, overflow: "truncate" } : { hideOverlap: true },
    };
    const valueAxis = {
      type: "value",
      // Across a phone's width there is room for a few labels only.
      splitNumber: horizontal ? 3 : 5,
      axisLabel: {
        hideOverlap: true,
        formatter: (value) => compact.format(value) + (config.unit === "percent" ? "%" : ""),
      },
    };
    return {
      animation: false,
      // A period against the compared one: blue and grey; a report's series (measures, or keys): a palette.
      color: config.palette ? PALETTE : ["#0d6efd", "#adb5bd"],
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "axis",
        confine: true,
        valueFormatter: (value) => written(value, config.unit),
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: config.series.map((series) => ({
        name: series.name,
        type: config.kind,
        data: series.values.map(number),
        connectNulls: false,
        symbolSize: 8,
        cursor: "pointer",
      })),
    };
  }

  function draw(element) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || typeof echarts === "undefined") return null;
    const config = JSON.parse(source.textContent);
    if (!config.categories.length) {
      element.classList.add("d-flex", "align-items-center", "justify-content-center", "text-muted", "small");
      element.textContent = labels.empty || "";
      return null;
    }
    const chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(options(config));
    chart.on("click", (params) => {
      const series = config.series[params.seriesIndex];
      const url = series && series.urls[params.dataIndex];
      if (url) window.location.assign(url);
    });
    // A tap on the category's band (between bars, or beside a point) opens the period's row.
    chart.getZr().on("click", (event) => {
      if (event.target) return;
      const point = [event.offsetX, event.offsetY];
      if (!chart.containPixel("grid", point)) return;
      const found = chart.convertFromPixel("grid", point);
      const index = Math.round(found[config.horizontal ? 1 : 0]);
      const url = config.series[0].urls[index];
      if (url) window.location.assign(url);
    });
    element.dataset.chartReady = "true";
    return chart;
  }

  function drawAll() {
    const charts = Array.from(document.querySelectorAll("[data-chart]")).map(draw).filter(Boolean);
    let pending = null;
    window.addEventListener("resize", () => {
      window.clearTimeout(pending);
      pending = window.setTimeout(() => charts.forEach((chart) => chart.resize()), 100);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
