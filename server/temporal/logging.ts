import { DefaultLogger, Runtime, type LogLevel } from "@temporalio/worker";

/** One compact line per SDK log entry, tagged with run and step when the entry has them. */
export function installTemporalRuntime(
  level: LogLevel,
  write: (line: string) => void = (l) => console.error(l),
): void {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const meta = entry.meta as { runId?: string; stepId?: string } | undefined;
      const where = meta?.stepId ? ` [run ${meta.runId?.slice(0, 8)} step ${meta.stepId}]` : "";
      write(`${entry.level.toLowerCase()}: ${entry.message}${where}`);
    }),
  });
}
