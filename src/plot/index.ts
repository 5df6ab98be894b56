/** SVG charts rendered as strings (no browser needed): training curves, confusion matrices, ROC curves. */
export { lineChart, historyChart, confusionMatrixChart, rocChart } from './charts.js';
export type { Series, ChartOptions, HistoryLike, HistoryChartOptions, ConfusionMatrixChartOptions, RocChartCurve } from './charts.js';
export { escapeXml, niceTicks } from './svg.js';
export { scatterChart } from './scatter.js';
export type { ScatterChartOptions } from './scatter.js';
