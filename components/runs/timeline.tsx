"use client";

import { formatDuration } from "./duration";

/** Step status colours shared by the run's timeline and DAG (hex, for SVG and inline styles). */
export const stepColors: Record<string, string> = {
  pending: "#cbd5e1",
  awaiting_approval: "#a855f7",
  queued: "#f59e0b",
  running: "#0ea5e9",
  succeeded: "#10b981",
  cached: "#14b8a6",
  failed: "#f43f5e",
  rejected: "#e11d48",
  skipped: "#94a3b8",
  cancelled: "#64748b",
};

type When = Date | string | null;

export interface TimelineStep {
  stepId: string;
  status: string;
  queuedAt: When;
  startedAt: When;
  finishedAt: When;
}

export interface TimelineBar {
  stepId: string;
  status: string;
  /** Percent of the timeline's width: the wait in the queue, then the execution. */
  queued: { left: number; width: number } | null;
  ran: { left: number; width: number } | null;
  label: string;
}

const ms = (w: When) => (w ? new Date(w).getTime() : null);

/** Bars from queued to started to finished (or now, while running), scaled to the whole run. */
export function timelineBars(
  steps: TimelineStep[],
  now = Date.now(),
): { bars: TimelineBar[]; totalMs: number } {
  const starts = steps.flatMap((s) => [ms(s.queuedAt), ms(s.startedAt)]).filter((t) => t !== null);
  if (!starts.length) return { bars: [], totalMs: 0 };
  const t0 = Math.min(...starts);
  const ends = steps.map((s) => ms(s.finishedAt) ?? (ms(s.startedAt) || ms(s.queuedAt) ? now : t0));
  const totalMs = Math.max(1, Math.max(...ends) - t0);
  const pct = (t: number) => (100 * (t - t0)) / totalMs;
  const span = (from: number, to: number) => ({
    left: pct(from),
    width: Math.max(0.5, pct(to) - pct(from)),
  });
  const bars = steps.map((s) => {
    const queued = ms(s.queuedAt);
    const started = ms(s.startedAt);
    const end = ms(s.finishedAt) ?? now;
    return {
      stepId: s.stepId,
      status: s.status,
      queued: queued !== null ? span(queued, started ?? end) : null,
      ran: started !== null ? span(started, end) : null,
      label:
        started !== null
          ? formatDuration(s.startedAt, s.finishedAt, now)
          : s.status.replace("_", " "),
    };
  });
  return { bars, totalMs };
}

/** A Gantt chart of a run's steps: light for the wait in the queue, coloured by status after. */
export function Timeline({ steps }: { steps: TimelineStep[] }) {
  const { bars, totalMs } = timelineBars(steps);
  if (!bars.length) return null;
  return (
    <section aria-label="Timeline" className="space-y-2">
      <h2 className="text-lg font-semibold">Timeline</h2>
      <div className="rounded border border-slate-200 bg-white p-3">
        <ul className="space-y-1">
          {bars.map((b) => (
            <li
              key={b.stepId}
              data-timeline-step={b.stepId}
              className="grid grid-cols-[9rem_1fr_7rem] items-center gap-2 text-xs"
            >
              <span className="truncate font-medium" title={b.stepId}>
                {b.stepId}
              </span>
              <span className="relative h-4 rounded bg-slate-50">
                {b.queued && (
                  <span
                    className="absolute inset-y-1 rounded-sm"
                    style={{
                      left: `${b.queued.left}%`,
                      width: `${b.queued.width}%`,
                      backgroundColor: stepColors[b.status] ?? stepColors.pending,
                      opacity: 0.3,
                    }}
                    title={`${b.stepId}: waiting`}
                  />
                )}
                {b.ran && (
                  <span
                    className="absolute inset-y-0 rounded-sm"
                    style={{
                      left: `${b.ran.left}%`,
                      width: `${b.ran.width}%`,
                      backgroundColor: stepColors[b.status] ?? stepColors.pending,
                    }}
                    title={`${b.stepId}: ${b.status}, ${b.label}`}
                  />
                )}
              </span>
              <span className="truncate text-right text-slate-500" title={b.label}>
                {b.label}
              </span>
            </li>
          ))}
        </ul>
        <div className="mt-1 grid grid-cols-[9rem_1fr_7rem] gap-2 text-[11px] text-slate-400">
          <span />
          <span className="flex justify-between">
            <span>0 s</span>
            <span>{formatDuration(new Date(0), new Date(totalMs))}</span>
          </span>
          <span />
        </div>
      </div>
    </section>
  );
}
