// Runs the row-wise steps of a served pipeline (select, derived columns, SQL that maps a row to a
// row) over a batch of rows, in a process of its own started by lib/data/row-steps.ts with an
// empty environment: the user's SQL never shares an address space with the secrets of the web
// app, the serving process or the worker. DuckDB here reads no file and no network.
//
// In: JSON lines on stdin, {id, op: "apply" | "needs", ...} (see RowStepsRequest in
// row-steps.ts). Out: one JSON line per request, {id, ok: true, ...} or
// {id, ok: false, input: boolean, message}. stdin's end (the parent gone) ends this process.
import { DuckDBInstance } from "@duckdb/node-api";

class InputError extends Error {}

const firstLine = (err) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
const quoteIdent = (name) => `"${String(name).replaceAll('"', '""')}"`;
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)$/;
// Types a column may be declared with here; anything else (a nested type) travels as text.
const TYPE = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?( WITH TIME ZONE)?$/;

const instance = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "512MB" });
const c = await instance.connect();
await c.run("SET enable_external_access = false");
await c.run("SET autoinstall_known_extensions = false");
await c.run("SET autoload_known_extensions = false");
await c.run("SET lock_configuration = true");

const typeOf = (column) => (TYPE.test(column.type) ? column.type : "VARCHAR");

/** The columns a query (over no parameters) outputs. */
async function columnsOfQuery(sql) {
  const reader = await c.runAndReadAll(`DESCRIBE (${sql})`);
  return reader.getRowObjects().map((r) => String(r.column_name));
}

/** One step as a query over `input`, given the columns `input` has. */
function stepSqlFor(step, have) {
  if (step.op === "select") {
    const kept = step.columns.filter((col) => have.includes(col.from));
    if (kept.length === 0) return "SELECT NULL AS __none FROM input";
    return `SELECT ${kept.map((col) => `${quoteIdent(col.from)} AS ${quoteIdent(col.to)}`).join(", ")} FROM input`;
  }
  if (step.op === "derive") {
    const rest = have.includes(step.column) ? ` EXCLUDE (${quoteIdent(step.column)})` : "";
    return `SELECT *${rest}, (\n${step.expression}\n) AS ${quoteIdent(step.column)} FROM input`;
  }
  if (step.op === "sql") return step.sql;
  throw new Error(`unknown row step "${step.op}"`);
}

const typed = (col) => `::${typeOf(col)} AS ${quoteIdent(col.name)}`;
const jsonOf = (col) =>
  NUMERIC.test(col.type) ? `from_json(?::JSON, '["DOUBLE"]')` : `from_json(?::JSON, '["VARCHAR"]')`;

/**
 * The chain as SQL: `run` reads the request's columns (one JSON parameter each) cast to the
 * file's types, then each step as a CTE named `input` around the previous one (a step's SQL reads
 * `input`, the nearest definition). Each step is bound on no rows as it is added, so a failing
 * step is named; `columns` are what the last step outputs.
 */
async function chainSql(source, steps) {
  let run = `SELECT ${source.map((col) => `unnest(${jsonOf(col)})${typed(col)}`).join(", ")}`;
  let shape = `SELECT ${source.map((col) => `NULL${typed(col)}`).join(", ")} LIMIT 0`;
  let columns = await columnsOfQuery(shape);
  for (const step of steps) {
    const sql = stepSqlFor(step, columns);
    run = `WITH input AS (\n${run}\n) ${sql}`;
    shape = `WITH input AS (\n${shape}\n) ${sql}`;
    try {
      columns = await columnsOfQuery(shape);
    } catch (err) {
      throw new InputError(`${step.what ?? step.op}: ${firstLine(err)}`);
    }
  }
  return { run, columns };
}

const missingMessage = (missing) =>
  `the steps produce no column ${missing.map((m) => `"${m}"`).join(", ")}`;

/** The chain and the wanted columns as one statement, prepared once per chain. */
const prepared = new Map();
async function chainStatement(source, steps, want) {
  const key = JSON.stringify([source, steps, want]);
  const hit = prepared.get(key);
  if (hit) return hit;
  const { run, columns } = await chainSql(source, steps);
  const missing = want.map((w) => w.column).filter((w) => !columns.includes(w));
  if (missing.length) throw new InputError(missingMessage(missing));
  const select = want
    .map((w) => `${quoteIdent(w.column)}::${w.text ? "VARCHAR" : "DOUBLE"}`)
    .join(", ");
  const statement = await c.prepare(`SELECT ${select} FROM (\n${run}\n)`);
  if (prepared.size > 64) prepared.clear();
  prepared.set(key, statement);
  return statement;
}

async function apply({ source, steps, columns, rows, want }) {
  if (source.length === 0) throw new InputError("the model takes no column");
  const values = [];
  for (const col of source) {
    const given = columns[col.name];
    const list = Array.isArray(given) ? given : new Array(rows).fill(null);
    if (list.length !== rows)
      throw new InputError(`column "${col.name}": ${list.length} values for ${rows} rows`);
    const numeric = NUMERIC.test(col.type);
    values.push(
      JSON.stringify(
        list.map((v) =>
          v === null || v === undefined ? null : numeric && typeof v === "number" ? v : String(v),
        ),
      ),
    );
  }
  const statement = await chainStatement(source, steps, want);
  values.forEach((v, k) => statement.bindVarchar(k + 1, v));
  let reader;
  try {
    reader = await statement.runAndReadAll();
  } catch (err) {
    // Name the column whose values do not read as its type, else the step that failed.
    for (const [k, col] of source.entries()) {
      try {
        await c.run(`SELECT unnest(${jsonOf(col)})::${typeOf(col)}`, [values[k]]);
      } catch (inner) {
        throw new InputError(
          `column "${col.name}" (${typeOf(col)}): ${firstLine(inner).replace(/^Conversion Error: /, "")}`,
        );
      }
    }
    throw new InputError(firstLine(err));
  }
  const out = {};
  const got = reader.getColumns();
  want.forEach((w, k) => {
    out[w.column] = got[k] ?? [];
  });
  return { columns: out, rows: reader.currentRowCount };
}

/** Whether the steps still produce every wanted column when the file has only `present`. */
async function produces(source, present, steps, want) {
  const defs = source.filter((col) => present.has(col.name));
  if (defs.length === 0) return false;
  try {
    const { columns } = await chainSql(defs, steps);
    return want.every((w) => columns.includes(w));
  } catch {
    return false;
  }
}

/** The file's columns the wanted columns are computed from: those without which a step fails or a wanted column is missing. */
async function needs({ source, steps, want }) {
  const all = new Set(source.map((col) => col.name));
  if (!(await produces(source, all, steps, want))) {
    const { columns } = await chainSql(source, steps);
    throw new InputError(missingMessage(want.filter((w) => !columns.includes(w))));
  }
  const needed = [];
  for (const col of source) {
    const without = new Set(all);
    without.delete(col.name);
    if (!(await produces(source, without, steps, want))) needed.push(col.name);
  }
  return { needs: needed };
}

const handle = (request) => (request.op === "needs" ? needs(request) : apply(request));

const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

let queue = Promise.resolve();
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      reply({ id: null, ok: false, input: false, message: "unreadable request" });
      continue;
    }
    // One request at a time, on the one connection.
    queue = queue.then(() =>
      handle(request).then(
        (result) => reply({ id: request.id, ok: true, ...result }),
        (err) =>
          reply({
            id: request.id,
            ok: false,
            input: err instanceof InputError,
            message: firstLine(err),
          }),
      ),
    );
  }
});
process.stdin.on("end", () => process.kill(process.pid, "SIGKILL"));
