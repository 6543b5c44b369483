import type { Chart } from './charts.js';

/** Text for HTML: the report embeds user-written names and descriptions. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A page section: a heading, optional prose and tables (already HTML), and charts. */
export interface Section {
  id: string;
  title: string;
  intro?: string;
  html?: string;
  charts: Chart[];
}

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.4; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
  h3 { font-size: 1rem; margin: 0 0 0.4rem; }
  .meta { color: #666; font-size: 0.9rem; }
  nav ul { columns: 2; font-size: 0.9rem; }
  figure.chart { margin: 1.2rem 0; padding: 0.8rem; border: 1px solid #e3e3e3; border-radius: 4px; break-inside: avoid; page-break-inside: avoid; }
  figure.chart figcaption { color: #555; font-size: 0.85rem; margin-top: 0.4rem; }
  figure.chart svg { max-width: 100%; height: auto; }
  figure.chart p.note { color: #8a4b00; background: #fff6e5; font-size: 0.85rem; margin: 0.4rem 0 0; padding: 0.2rem 0.4rem; }
  .table-wrap { max-width: 100%; overflow-x: auto; }
  table.data { border-collapse: collapse; font-size: 0.75rem; margin: 0.6rem 0; max-width: 100%; }
  table.data th, table.data td { border: 1px solid #ddd; padding: 0.2rem 0.35rem; text-align: right; }
  table.data th { white-space: normal; overflow-wrap: break-word; hyphens: manual; vertical-align: bottom; }
  table.data td { white-space: nowrap; }
  table.data td:first-child { white-space: normal; overflow-wrap: break-word; }
  table.data th:first-child, table.data td:first-child { text-align: left; }
  table.data th { background: #f5f5f5; }
  @media print { body { margin: 0; max-width: none; } nav { display: none; } h2 { break-after: avoid; } }
`;

/**
 * One self-contained HTML file: inline CSS, charts as inline SVG, no scripts and no
 * external resources, so it can be mailed, opened offline and printed.
 */
export function page(title: string, lead: string, sections: readonly Section[]): string {
  const toc = sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('');
  const body = sections
    .map((s) => {
      const charts = s.charts
        .map(
          (c) =>
            `<figure class="chart" id="${c.id}" data-chart="${c.id}" data-mark="${c.mark}"${c.timeAxes && c.timeAxes.length > 0 ? ` data-time-axes="${c.timeAxes.join(' ')}"` : ''}><h3>${escapeHtml(c.title)}</h3>${c.html}${c.note ? `<p class="note">${escapeHtml(c.note)}</p>` : ''}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
        )
        .join('\n');
      return `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.intro ? `<p>${s.intro}</p>` : ''}${s.html ?? ''}\n${charts}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="splitsim">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="meta">${lead}</p></header>
<nav><ul>${toc}</ul></nav>
${body}
</body>
</html>
`;
}

/** A table of rows; cells are already formatted text. */
export function dataTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<div class="table-wrap"><table class="data"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table></div>`;
}
