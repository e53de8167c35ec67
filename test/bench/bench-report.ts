/** One benchmark module's printed result: named figures and the targets they are checked against. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** e.g. '>= 5e6' or '<= 1.5'; the runner prints PASS/MISS against it. */
  target?: string;
}

export interface BenchModule {
  title: string;
  run(): Promise<BenchFigure[]>;
}

/** Checks a figure against its target ('>= N' or '<= N'); undefined when there is no target. */
export function meetsTarget(f: BenchFigure): boolean | undefined {
  if (!f.target) return undefined;
  const m = /^(>=|<=)\s*([-+0-9.e]+)$/.exec(f.target.trim());
  if (!m) return undefined;
  const t = Number(m[2]);
  return m[1] === '>=' ? f.value >= t : f.value <= t;
}
