import { columnsOf } from "../../server/data/columns";
import { quoteIdent } from "../../server/data/sandbox";
import { datasetStep } from "../../server/data/step";
import type { NodeActivity } from "../activity-types";
import { StepInputError } from "../errors";
import { prepDerive } from "./node";

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const prepDeriveActivity: NodeActivity = async (ctx) => {
  const p = prepDerive.params.parse(ctx.params);
  return {
    dataset: await datasetStep(ctx, ["input"], async (c) => {
      // One expression, not a statement: the parser must see exactly one SELECT of it.
      const check = await c.extractStatements(`SELECT (${p.expression}) FROM input`);
      if (check.count !== 1)
        throw new StepInputError("Derived column: the expression must be a single SQL expression");
      const keep = (await columnsOf(c, "input"))
        .filter((col) => col.name !== p.column)
        .map((col) => quoteIdent(col.name));
      try {
        await c.run(
          `CREATE TABLE result AS SELECT ${[...keep, `(${p.expression}) AS ${quoteIdent(p.column)}`].join(", ")} FROM input`,
        );
      } catch (err) {
        throw new StepInputError(
          `Derived column "${p.column}": ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        );
      }
      return "result";
    }),
  };
};
