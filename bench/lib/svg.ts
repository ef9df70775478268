/** A grouped horizontal bar chart as a standalone SVG: one group per row, one bar per series. */
export function barChart(
  title: string,
  unit: string,
  rows: { label: string; values: Record<string, number> }[],
): string {
  const series = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const colors = ["#2563eb", "#f59e0b", "#10b981", "#ef4444"];
  const max = Math.max(1e-9, ...rows.flatMap((r) => Object.values(r.values)));
  const labelWidth = 260;
  const chartWidth = 420;
  const barHeight = 14;
  const groupHeight = series.length * barHeight + 12;
  const height = 50 + rows.length * groupHeight + 20;
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + chartWidth + 80}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...series.map(
      (name, i) =>
        `<rect x="${labelWidth + i * 90}" y="30" width="10" height="10" fill="${colors[i % colors.length]}"/>` +
        `<text x="${labelWidth + i * 90 + 14}" y="39">${escape(name)}</text>`,
    ),
  ];
  rows.forEach((row, r) => {
    const top = 50 + r * groupHeight;
    parts.push(`<text x="8" y="${top + groupHeight / 2}">${escape(row.label)}</text>`);
    series.forEach((name, i) => {
      const value = row.values[name] ?? 0;
      const width = Math.max(1, (value / max) * chartWidth);
      const y = top + i * barHeight;
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight - 2}" fill="${colors[i % colors.length]}"/>`,
        `<text x="${labelWidth + width + 4}" y="${y + barHeight - 4}">${value.toFixed(2)} ${escape(unit)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
