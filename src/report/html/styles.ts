// The report page's only stylesheet, inlined: nothing is loaded from anywhere. Light and dark
// schemes follow the reader's system; charts and tables fit a phone held upright.

export const STYLES = `
:root {
  --bg: #f6f7f9; --card: #ffffff; --text: #1d2330; --muted: #5b6474; --line: #dde1e8; --grid: #e9ecf1;
  --leak: #c62828; --leak-bg: #fdecea; --pass: #2e7d32; --pass-bg: #e8f5e9; --inc: #9a6200; --inc-bg: #fff4dc;
  --error: #6a1b9a; --error-bg: #f3e5f5;
  --samples: #8a94a6; --fit: #1f5fbf; --band: rgba(31, 95, 191, 0.16); --delta: #c62828; --floor: #1f5fbf;
  --ph-baseline: rgba(120, 130, 150, 0.10); --ph-warmup: rgba(230, 160, 30, 0.14);
  --ph-measured: rgba(40, 110, 220, 0.07); --ph-recovery: rgba(40, 160, 90, 0.12); --load: rgba(60, 70, 90, 0.35);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #11151c; --card: #1a202a; --text: #e6e9ef; --muted: #9aa4b5; --line: #2c3442; --grid: #252c38;
    --leak: #ff6b6b; --leak-bg: #3a1d1f; --pass: #6fcf78; --pass-bg: #1c3222; --inc: #f0b545; --inc-bg: #3a2f17;
    --error: #d69cf0; --error-bg: #2f2138;
    --samples: #7c879a; --fit: #6ea8ff; --band: rgba(110, 168, 255, 0.18); --delta: #ff6b6b; --floor: #6ea8ff;
    --ph-baseline: rgba(160, 170, 190, 0.08); --ph-warmup: rgba(240, 181, 69, 0.12);
    --ph-measured: rgba(110, 168, 255, 0.07); --ph-recovery: rgba(111, 207, 120, 0.10);
      --load: rgba(200, 210, 230, 0.35);
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 16px 48px; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 1.15rem; font-weight: 600; color: var(--muted); }
h2 { font-size: 1.3rem; }
h3 { font-size: 1rem; }
a { color: var(--fit); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-all; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 8px 10px; margin: 6px 0 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 0 0 18px; }
.hero { border-left: 6px solid var(--muted); }
.hero.v-leak { border-left-color: var(--leak); } .hero.v-pass { border-left-color: var(--pass); }
.hero.v-inconclusive { border-left-color: var(--inc); } .hero.v-error { border-left-color: var(--error); }
.headline { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; margin: 8px 0 6px; }
.headline .verdict { font-size: 1.6rem; padding: 4px 14px; }
.headline p { margin: 0; font-size: 1.1rem; flex: 1 1 320px; }
.verdict { display: inline-block; font-weight: 700; letter-spacing: 0.03em; border-radius: 6px; padding: 1px 8px;
  font-size: 0.8rem; white-space: nowrap; }
.v-leak .verdict, .verdict.v-leak { color: var(--leak); background: var(--leak-bg); }
.verdict.v-pass { color: var(--pass); background: var(--pass-bg); }
.verdict.v-inconclusive { color: var(--inc); background: var(--inc-bg); }
.verdict.v-error { color: var(--error); background: var(--error-bg); }
.verdict.v-fail { color: var(--leak); background: var(--leak-bg); }
.verdict.v-no-data { color: var(--muted); background: var(--bg); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 250px), 1fr)); gap: 4px 20px;
  margin: 12px 0 0; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 0.8rem; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 10px 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 0.8rem; white-space: nowrap; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { white-space: nowrap; }
tr.row-leak td:first-child { box-shadow: inset 3px 0 0 var(--leak); }
.muted { color: var(--muted); }
.scenario-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.scenario-head .verdict { font-size: 0.95rem; }
.stats { color: var(--muted); margin: 4px 0 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap: 16px;
  margin: 14px 0 6px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 12px; min-width: 0; }
figure.v-leak { border-color: var(--leak); }
figcaption { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin: 0 0 4px; }
figcaption .metric { font-weight: 700; }
figcaption .figure { color: var(--muted); font-variant-numeric: tabular-nums; }
.plain { margin: 6px 0 0; font-weight: 600; }
.reason { margin: 2px 0 0; color: var(--muted); font-size: 0.9rem; }
.chart-svg { display: block; width: 100%; height: auto; }
.chart-svg text { fill: var(--muted); font-size: 11.5px; font-family: inherit; }
.chart-svg .phase-label { fill: var(--text); opacity: 0.7; }
.chart-svg .frame { fill: none; stroke: var(--line); }
.chart-svg .grid { stroke: var(--grid); stroke-width: 1; }
.chart-svg .tick-mark { stroke: var(--muted); }
.chart-svg .phase-baseline { fill: var(--ph-baseline); } .chart-svg .phase-warmup { fill: var(--ph-warmup); }
.chart-svg .phase-measured { fill: var(--ph-measured); } .chart-svg .phase-recovery { fill: var(--ph-recovery); }
.chart-svg .load { fill: var(--load); }
.chart-svg .samples { fill: none; stroke: var(--samples); stroke-width: 1; stroke-linejoin: round; opacity: 0.85; }
.chart-svg .band { fill: var(--band); stroke: none; }
.chart-svg .fit { fill: none; stroke: var(--fit); stroke-width: 2.4; stroke-linecap: round; }
.chart-svg .delta { fill: none; stroke: var(--delta); stroke-width: 1.4; stroke-dasharray: 5 4; opacity: 0.8; }
.chart-svg .floor { stroke-width: 1.6; }
.chart-svg .floor-judged { fill: var(--floor); stroke: var(--card); }
.chart-svg .floor-dropped { fill: var(--card); stroke: var(--floor); }
.chart-svg .floor-warmup { fill: var(--card); stroke: var(--inc); }
.chart-svg .mark-baseline { fill: var(--muted); stroke: var(--card); }
.chart-svg .mark-recovery { fill: var(--pass); stroke: var(--card); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0 0; padding: 0; list-style: none;
  font-size: 0.85rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend svg { width: 26px; height: 14px; flex: none; }
details { margin: 10px 0 0; }
summary { cursor: pointer; color: var(--muted); font-weight: 600; }
.issues { color: var(--inc); }
.error-text { color: var(--error); font-weight: 600; }
footer { color: var(--muted); font-size: 0.8rem; text-align: center; margin-top: 24px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 10px 8px 32px; }
  .card { padding: 14px 12px; border-radius: 8px; }
  figure { padding: 8px 6px 10px; }
  .headline .verdict { font-size: 1.3rem; }
  /* The SVG shrinks with the screen: larger user units keep its text readable. */
  .chart-svg text { font-size: 15px; }
  th, td { padding: 5px 6px; }
}
`;
