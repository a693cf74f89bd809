/**
 * A problem with the step's input (data, params, SQL) that another attempt cannot fix: the step
 * fails at once, without retries, with this message.
 */
export class StepInputError extends Error {
  override name = "StepInputError";
}
