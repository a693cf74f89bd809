import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { env } from "@/lib/env";

/**
 * The benchmark pages (the canvas benchmark's baseline) exist only where BENCH_PAGES is set:
 * bench/canvas.ts sets it for the server it starts. Read per request, not at build time, so one
 * production build serves them only when asked to.
 */
export const dynamic = "force-dynamic";

export default function BenchLayout({ children }: { children: ReactNode }): ReactNode {
  if (env().BENCH_PAGES !== true) notFound();
  return children;
}
