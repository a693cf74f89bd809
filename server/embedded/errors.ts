/** An error whose message tells the person at the terminal what to do; printed without a stack. */
export class StartupError extends Error {
  override name = "StartupError";
}
