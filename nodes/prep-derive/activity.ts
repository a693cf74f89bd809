import { userSqlStep } from "../../server/data/user-sql";
import type { NodeActivity } from "../activity-types";
import { prepDerive } from "./node";

/**
 * Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. The
 * expression must parse (DuckDB's parser) as exactly one expression, and runs as prep.sql's query
 * does: out of the worker's process, stopped on timeout and cancellation.
 */
export const prepDeriveActivity: NodeActivity = async (ctx) => {
  const { column, expression } = prepDerive.params.parse(ctx.params);
  return { dataset: await userSqlStep(ctx, { kind: "derive", column, expression }) };
};
