import { userSqlStep } from "../../lib/data/user-sql";
import { defineActivity } from "../sdk/define";
import { prepDerive } from "./node";

/**
 * Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. The
 * expression must parse (DuckDB's parser) as exactly one expression, and runs as prep.sql's query
 * does: out of the worker's process, stopped on timeout and cancellation.
 */
export const prepDeriveActivity = defineActivity(
  prepDerive,
  async (ctx, { column, expression }) => {
    return { dataset: await userSqlStep(ctx, { kind: "derive", column, expression }) };
  },
);
