/**
 * The figures of the contract flow: the time of each phase per Synapse version, the
 * orchestration's cost next to Synapse's own start-up, Synapse starts per build, and what the
 * media checks after a reset found. Printed as one table at the end of the run.
 */

/** Phases of one build, in the order they run (the table's rows). */
export const PHASES = [
  "program recorded (mocks, first evaluation)",
  "database (declared role + database)",
  "provider + OIDC client (declared command, twice)",
  "Synapse files + known keys + config check",
  "Synapse start to healthy",
  "admin (declared bootstrap: register, reuse, recover)",
  "verification (declared check)",
  "hooks + .env (declared hook, env-file write)",
  "SSO login + client actions (matrix-js-sdk)",
] as const;
export type Phase = (typeof PHASES)[number];

export const RESET_PHASES = [
  "reset (media kept): stop, drop, rebuild to healthy",
  "reset (media kept): of which Synapse start to healthy",
  "reset (media kept): admin, verification, hooks, .env",
  "reset (media kept): SSO login again + media checks",
  "reset (media wiped): stop, drop, rebuild to healthy",
  "reset (media wiped): of which Synapse start to healthy",
  "reset (media wiped): admin, verification, hooks, .env",
  "reset (media wiped): SSO login again + media checks",
] as const;
export type ResetPhase = (typeof RESET_PHASES)[number];

export interface VersionFigures {
  version: string;
  /** Milliseconds per phase. */
  phases: Partial<Record<Phase | ResetPhase, number>>;
  /** Synapse launches per build, in build order (first build, resets). */
  startsPerBuild: number[];
  /** Evaluations of the program under mocks (a test harness cost, not the program's). */
  recordings: Record<"first build" | "resets", { count: number; ms: number }>;
  /** Findings printed under the table (media after reset, etc.). */
  notes: string[];
}

const registry: VersionFigures[] = [];

export function figuresFor(version: string): VersionFigures {
  const figures: VersionFigures = {
    version,
    phases: {},
    startsPerBuild: [],
    recordings: { "first build": { count: 0, ms: 0 }, resets: { count: 0, ms: 0 } },
    notes: [],
  };
  registry.push(figures);
  return figures;
}

/** Runs `action`, adding its duration to the phase (also when it throws). */
export async function timed<T>(
  figures: VersionFigures,
  phase: Phase | ResetPhase,
  action: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  try {
    return await action();
  } finally {
    addTime(figures, phase, Date.now() - started);
  }
}

/** Adds a measured duration to a phase. */
export function addTime(figures: VersionFigures, phase: Phase | ResetPhase, ms: number): void {
  figures.phases[phase] = (figures.phases[phase] ?? 0) + ms;
}

const seconds = (ms: number | undefined): string => (ms === undefined ? "–" : (ms / 1000).toFixed(1));

/** The first build's total: every phase from the program recording to the SSO client actions. */
export function firstBuildTotal(figures: VersionFigures): number {
  return PHASES.reduce((sum, phase) => sum + (figures.phases[phase] ?? 0), 0);
}

function ratio(total: number, startup: number | undefined): string {
  return startup ? ((total - startup) / startup).toFixed(2) : "–";
}

/** The table, one column per version. */
export function renderFigures(): string {
  if (registry.length === 0) return "";
  const label = (text: string) => `  ${text.padEnd(60)}`;
  const column = (text: string) => text.padStart(10);
  const header = label("phase (seconds)") + registry.map((f) => column(f.version)).join("");
  const row = (name: string, cell: (f: VersionFigures) => string) =>
    label(name) + registry.map((f) => column(cell(f))).join("");
  const lines = ["", "Contract flow figures (one run):", header];
  for (const phase of PHASES) lines.push(row(phase, (f) => seconds(f.phases[phase])));
  lines.push(row("first build total", (f) => seconds(firstBuildTotal(f))));
  lines.push(
    row("(total − Synapse start-up) / Synapse start-up", (f) =>
      ratio(firstBuildTotal(f), f.phases["Synapse start to healthy"]),
    ),
  );
  lines.push(
    row("  of the total: program evaluations under mocks (count)", (f) => {
      const tally = f.recordings["first build"];
      return `${seconds(tally.ms)} (${tally.count})`;
    }),
  );
  lines.push(
    row("  same ratio without the mock evaluations (harness cost)", (f) =>
      ratio(firstBuildTotal(f) - f.recordings["first build"].ms, f.phases["Synapse start to healthy"]),
    ),
  );
  for (const phase of RESET_PHASES) {
    if (registry.some((f) => f.phases[phase] !== undefined)) lines.push(row(phase, (f) => seconds(f.phases[phase])));
  }
  for (const kind of ["kept", "wiped"] as const) {
    const total = (f: VersionFigures) =>
      ["stop, drop, rebuild to healthy", "admin, verification, hooks, .env", "SSO login again + media checks"].reduce(
        (sum, part) => sum + (f.phases[`reset (media ${kind}): ${part}` as ResetPhase] ?? 0),
        0,
      );
    if (registry.some((f) => total(f) > 0)) {
      lines.push(
        row(`reset (media ${kind}): (total − start-up) / start-up`, (f) =>
          total(f) > 0 ? ratio(total(f), f.phases[`reset (media ${kind}): of which Synapse start to healthy`]) : "–",
        ),
      );
    }
  }
  lines.push(row("Synapse starts per build (must be 1 each)", (f) => f.startsPerBuild.join(",") || "–"));
  for (const figures of registry) {
    for (const note of figures.notes) lines.push(`  Synapse ${figures.version}: ${note}`);
  }
  return lines.join("\n");
}
