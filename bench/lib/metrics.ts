/** One line of the benchmark report. */
export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "≥ 0.70". */
  target?: string;
  pass?: boolean;
}

export function formatValue(metric: Metric): string {
  const digits = Math.abs(metric.value) >= 100 ? 0 : Math.abs(metric.value) >= 10 ? 1 : 2;
  return `${metric.value.toFixed(digits)} ${metric.unit}`.trim();
}

/** What a benchmark section reports: its metrics, and optionally notes (markdown) below them. */
export type SectionResult = Metric[] | { metrics: Metric[]; notes: string[] };
