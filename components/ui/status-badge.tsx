import { cn } from "./cn";

const colours: Record<string, string> = {
  pending: "bg-slate-100 text-slate-600",
  queued: "bg-amber-100 text-amber-800",
  running: "bg-sky-100 text-sky-800 animate-pulse",
  succeeded: "bg-emerald-100 text-emerald-800",
  cached: "bg-teal-100 text-teal-800",
  failed: "bg-rose-100 text-rose-800",
  skipped: "bg-slate-100 text-slate-500",
  cancelled: "bg-slate-200 text-slate-700",
  awaiting_approval: "bg-violet-100 text-violet-800",
  rejected: "bg-rose-100 text-rose-800",
  ok: "bg-emerald-100 text-emerald-800",
  degraded: "bg-amber-100 text-amber-800",
  down: "bg-rose-100 text-rose-800",
};

export function StatusBadge({
  status,
  className,
  ...rest
}: {
  status: string;
  className?: string;
  "data-testid"?: string;
}) {
  return (
    <span
      data-status={status}
      {...rest}
      className={cn(
        "inline-block rounded-full px-2 py-0.5 text-xs font-medium",
        colours[status] ?? colours.pending,
        className,
      )}
    >
      {status.replaceAll("_", " ")}
    </span>
  );
}
