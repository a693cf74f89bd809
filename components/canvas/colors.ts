import type { NodeCategory, PortKind } from "@/nodes/types";

export const categoryStyle: Record<NodeCategory, { bar: string; icon: string; label: string }> = {
  ingest: { bar: "bg-sky-500", icon: "⇩", label: "Ingest" },
  prep: { bar: "bg-violet-500", icon: "⚙", label: "Prep" },
  train: { bar: "bg-emerald-600", icon: "◆", label: "Train" },
  tune: { bar: "bg-teal-500", icon: "⟳", label: "Tune" },
  evaluate: { bar: "bg-amber-500", icon: "✓", label: "Evaluate" },
  deploy: { bar: "bg-rose-500", icon: "▲", label: "Deploy" },
  monitor: { bar: "bg-orange-500", icon: "◉", label: "Monitor" },
  code: { bar: "bg-slate-700", icon: "{}", label: "Code" },
  internal: { bar: "bg-slate-400", icon: "•", label: "Test nodes" },
};

export const portColor: Record<PortKind | "splits", string> = {
  dataset: "#0284c7",
  splits: "#0369a1",
  model: "#059669",
  metrics: "#d97706",
  deployment: "#e11d48",
  json: "#7c3aed",
};
