// A deployment's drift status: what its latest monitor check found, as the dashboard shows it.

export type DriftStatus = "ok" | "drift" | "alert" | "unmonitored";

/** No check yet: unmonitored; a drift alert: drift; any other alert: alert; none: ok. */
export function driftStatus(alerts: { kind: string }[] | null | undefined): DriftStatus {
  if (!alerts) return "unmonitored";
  if (alerts.some((a) => a.kind.endsWith("drift"))) return "drift";
  return alerts.length ? "alert" : "ok";
}
