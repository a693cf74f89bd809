import { userSqlStep } from "../../lib/data/user-sql";
import { defineActivity } from "../sdk/define";
import { prepSql } from "./node";

/**
 * Idempotent: the query, exactly one SELECT as DuckDB's parser reads it, runs in a process of its
 * own with DuckDB sandboxed to the step's directory, stopped on timeout and cancellation; it writes
 * only a content-addressed dataset artifact.
 */
export const prepSqlActivity = defineActivity(prepSql, async (ctx, { sql }) => {
  return { dataset: await userSqlStep(ctx, { kind: "select", sql }) };
});
