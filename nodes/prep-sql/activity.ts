import { datasetStep } from "../../server/data/step";
import type { NodeActivity } from "../activity-types";
import { StepInputError } from "../errors";
import { prepSql } from "./node";

/**
 * Idempotent: the query runs in DuckDB sandboxed to the step's directory; it writes only a
 * content-addressed dataset artifact.
 */
export const prepSqlActivity: NodeActivity = async (ctx) => {
  const { sql } = prepSql.params.parse(ctx.params);
  return {
    dataset: await datasetStep(ctx, ["input"], async (c) => {
      const statements = await c.extractStatements(sql);
      if (statements.count !== 1)
        throw new StepInputError(`SQL: write exactly one statement (found ${statements.count})`);
      try {
        // Wrapped in parentheses, so only a query can stand there; the sandbox blocks files and network.
        await c.run(`CREATE TABLE result AS (${sql.replace(/;\s*$/, "")})`);
      } catch (err) {
        throw new StepInputError(
          `SQL: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        );
      }
      return "result";
    }),
  };
};
