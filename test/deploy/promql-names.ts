/**
 * The metric names and label names a PromQL expression refers to, for checking alerts and
 * dashboard queries against the registries and the scrape config. A small lexer, not a parser:
 * strings, durations and numbers are dropped, `by/without/on/ignoring/group_*` lists give label
 * names, `{...}` matchers give label names and values, and an identifier not followed by `(` and
 * not a keyword is a metric name.
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export interface PromqlRefs {
  /** Metric names selected (in order of appearance, deduplicated). */
  metrics: string[];
  /** Label names in grouping/matching clauses (by, without, on, ignoring, group_left/right). */
  grouping: string[];
  /** Label matchers: name, operator and value, as written. */
  matchers: Array<{ metric?: string; label: string; op: string; value: string }>;
}

/** Metric names, grouping labels and matchers of one PromQL expression. */
export function promqlRefs(expr: string): PromqlRefs {
  const metrics: string[] = [];
  const grouping: string[] = [];
  const matchers: PromqlRefs['matchers'] = [];
  // Matchers first (they hold strings that may contain anything), remembering the metric before them.
  let s = expr.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g, (_all, metric: string | undefined, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) matchers.push({ metric, label: m[1], op: m[2], value: m[3] });
    return metric ? ` ${metric} ` : ' ';
  });
  s = s.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, _kw: string, list: string) => {
    for (const l of list.split(',').map((x) => x.trim()).filter(Boolean)) grouping.push(l);
    return ' ';
  });
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = s[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // 1e3, 5m
    if (/^\s*\(/.test(s.slice(m.index + m[0].length))) continue; // function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    if (!metrics.includes(m[0])) metrics.push(m[0]);
  }
  return { metrics, grouping: [...new Set(grouping)], matchers };
}

/** Names a registry's metric appears under in a scrape: histograms add _bucket, _sum, _count. */
export function exposedNames(m: { name: string; type: string }): string[] {
  return m.type === 'histogram' || m.type === 'summary' ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}
