import { userSqlStep } from "../../server/data/user-sql";
import type { NodeActivity } from "../activity-types";
import { prepSql } from "./node";

/**
 * Idempotent: the query, exactly one SELECT as DuckDB's parser reads it, runs in a process of its
 * own with DuckDB sandboxed to the step's directory, stopped on timeout and cancellation; it writes
 * only a content-addressed dataset artifact.
 */
export const prepSqlActivity: NodeActivity = async (ctx) => {
  const { sql } = prepSql.params.parse(ctx.params);
  return { dataset: await userSqlStep(ctx, { kind: "select", sql }) };
};
