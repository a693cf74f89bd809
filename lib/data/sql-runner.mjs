// Runs one user-written query (prep.sql's SELECT, prep.derive's expression) in a process of its
// own, started by lib/data/user-sql.ts with an empty environment: the query never shares an
// address space with the worker's secrets, and the worker stops it by killing this process.
//
// In: one JSON line on stdin (see SqlRequest in user-sql.ts); stdin stays open, and its end (the
// worker gone) ends this process at once. Out: one JSON line on stdout, {"ok": true, "rowWise":
// boolean, "why"?: string, "sql"?: string} (whether an endpoint can run the query per request,
// and the query as it ran) or {"ok": false, "input": boolean, "message": string}; `input` marks
// the user's mistake.
import { DuckDBInstance } from "@duckdb/node-api";

class InputError extends Error {}

const firstLine = (err) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value) => {
  const parts = value.split("\0").map((part) => `'${part.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0] : `(${parts.join(" || chr(0) || ")})`;
};

/** DuckDB's own parse of `sql`, as json_serialize_sql writes it; the text is a parameter. */
async function parse(c, sql) {
  const reader = await c.runAndReadAll("SELECT json_serialize_sql(?::VARCHAR) AS j", [sql]);
  return JSON.parse(String(reader.getRowObjects()[0].j));
}

/** How many statements DuckDB's parser finds; a syntax error is the user's, `what` names it. */
async function statementCount(c, sql, what) {
  try {
    return (await c.extractStatements(sql)).count;
  } catch (err) {
    throw new InputError(
      `${what}: ${firstLine(err).replace(/^Failed to extract statements: /, "")}`,
    );
  }
}

/** A SELECT node without its select list and source positions: its clauses only. */
function clausesOf(node) {
  const strip = (v) =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== "query_location" && k !== "select_list")
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return strip(node);
}

const CLAUSES = {
  from_table: "a FROM clause",
  where_clause: "a WHERE clause",
  group_expressions: "a GROUP BY clause",
  group_sets: "a GROUP BY clause",
  having: "a HAVING clause",
  qualify: "a QUALIFY clause",
  sample: "a USING SAMPLE clause",
  cte_map: "a WITH clause",
  aggregate_handling: "a GROUP BY ALL clause",
};
const MODIFIERS = {
  ORDER_MODIFIER: "an ORDER BY clause",
  LIMIT_MODIFIER: "a LIMIT clause",
  LIMIT_PERCENT_MODIFIER: "a LIMIT clause",
  DISTINCT_MODIFIER: "DISTINCT",
};

/** The clause `node` has and `reference` (the same SELECT with nothing else) lacks, named. */
function extraClause(node, reference) {
  const have = clausesOf(node);
  const want = clausesOf(reference);
  for (const key of new Set([...Object.keys(have), ...Object.keys(want)])) {
    if (JSON.stringify(have[key]) === JSON.stringify(want[key])) continue;
    if (key === "modifiers")
      return MODIFIERS[node.modifiers.find((m) => m)?.type] ?? "a clause after the expression";
    return CLAUSES[key] ?? `a clause (${key})`;
  }
  return null;
}

/**
 * prep.sql: exactly one statement, and a SELECT (DuckDB serializes only SELECTs), written as the
 * rows of the output.
 */
async function selectQuery(c, sql) {
  const count = await statementCount(c, sql, "SQL");
  if (count !== 1) throw new InputError(`SQL: write exactly one statement (found ${count})`);
  const parsed = await parse(c, sql);
  if (parsed.error)
    throw new InputError(
      parsed.error_type === "not implemented"
        ? "SQL: only a SELECT query can run here (no SET, COPY, ATTACH, PIVOT statement or the like)"
        : `SQL: ${parsed.error_message}`,
    );
  // A trailing semicolon ends the one statement; inside parentheses it would be a syntax error.
  // What follows the last one (a comment) goes too, if the parser reads the rest the same.
  const last = sql.lastIndexOf(";");
  const before = last < 0 ? sql : sql.slice(0, last);
  const same = last >= 0 && JSON.stringify(await parse(c, before)) === JSON.stringify(parsed);
  return (same ? before : sql).replace(/[\s;]+$/, "");
}

/**
 * prep.derive: the expression parses, after SELECT, as exactly one select-list expression and
 * nothing else; then the query that runs is parsed again and must be the input's columns and
 * that expression, FROM input, with no other clause.
 */
async function deriveQuery(c, column, expression) {
  const what = `Derived column "${column}"`;
  const one = `${what}: the expression must be one SQL expression`;
  const count = await statementCount(c, `SELECT ${expression}`, `${one}; DuckDB's parser says`);
  if (count !== 1) throw new InputError(`${one}, not ${count} statements (a ";" ends a statement)`);
  const parsed = await parse(c, `SELECT ${expression}`);
  if (parsed.error) throw new InputError(`${one}; DuckDB's parser says: ${parsed.error_message}`);
  const [statement] = parsed.statements;
  const node = statement.node;
  if (node.type !== "SELECT_NODE")
    throw new InputError(`${one}, not a query (UNION, EXCEPT, INTERSECT, VALUES)`);
  const extra = extraClause(node, (await parse(c, "SELECT NULL")).statements[0].node);
  if (extra) throw new InputError(`${one}, without ${extra}`);
  if (node.select_list.length !== 1)
    throw new InputError(
      `${one}, found ${node.select_list.length} (a comma outside parentheses separates expressions)`,
    );
  const [expr] = node.select_list;
  if (expr.class === "STAR") throw new InputError(`${one}, not * or COLUMNS(...)`);
  if (expr.alias)
    throw new InputError(`${one}, without AS ${expr.alias}: "New column" names the column`);

  const columns = (await c.runAndReadAll("DESCRIBE input"))
    .getRowObjects()
    .map((r) => String(r.column_name))
    .filter((name) => name !== column)
    .map(quoteIdent);
  const sql = `SELECT ${[...columns, `(\n${expression}\n) AS ${quoteIdent(column)}`].join(", ")} FROM input`;
  const final = await parse(c, sql);
  const finalNode = final.statements?.[0]?.node;
  if (final.error) throw new InputError(`${one}; DuckDB's parser says: ${final.error_message}`);
  if (
    final.statements.length !== 1 ||
    finalNode.type !== "SELECT_NODE" ||
    finalNode.select_list.length !== columns.length + 1 ||
    extraClause(finalNode, (await parse(c, "SELECT NULL FROM input")).statements[0].node)
  )
    throw new InputError(one);
  return sql;
}

/**
 * Whether prep.sql's query maps each row of `input` to one row, so an endpoint can run it on each
 * request: FROM input alone, no clause that filters, groups, orders or limits, and no aggregate,
 * window, subquery or unnest in the select list. Otherwise, the clause or function that stops it.
 */
async function rowWise(c, sql) {
  const parsed = await parse(c, sql);
  const node = parsed.statements?.[0]?.node;
  if (parsed.statements?.length !== 1 || node?.type !== "SELECT_NODE")
    return { rowWise: false, why: "a UNION, EXCEPT, INTERSECT or VALUES query" };
  const extra = extraClause(node, (await parse(c, "SELECT NULL FROM input")).statements[0].node);
  if (extra) return { rowWise: false, why: extra };
  const aggregates = new Set(
    (
      await c.runAndReadAll(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'aggregate'",
      )
    )
      .getRowObjects()
      .map((r) => String(r.function_name).toLowerCase()),
  );
  let why = null;
  const visit = (v) => {
    if (why || !v || typeof v !== "object") return;
    if (Array.isArray(v)) return v.forEach(visit);
    if (v.class === "WINDOW") why = "a window function";
    else if (v.class === "SUBQUERY") why = "a subquery";
    else if (v.class === "FUNCTION" || v.class === "AGGREGATE") {
      const name = String(v.function_name ?? "").toLowerCase();
      if (name === "unnest" || name === "generate_series" || name === "range")
        why = `${name}() (it adds rows)`;
      else if (aggregates.has(name)) why = `the aggregate ${name}()`;
    }
    Object.values(v).forEach(visit);
  };
  visit(node.select_list);
  return why ? { rowWise: false, why } : { rowWise: true };
}

async function main(request) {
  const { limits } = request;
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(limits.threads),
    memory_limit: `${limits.memoryMiB}MiB`,
  });
  const c = await instance.connect();
  try {
    return await run(c, request);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

async function run(c, { dir, inputs, output, limits, query }) {
  process.chdir(dir);
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  // As lib/data/sandbox.ts: files only inside the step's directory, no network, no extensions,
  // and the settings locked so the query cannot turn them back on.
  await c.run(`SET temp_directory = ${quoteLiteral(`${root}.tmp`)}`);
  await c.run(`SET max_temp_directory_size = '${limits.tempMiB}MiB'`);
  await c.run(`SET allowed_directories = [${quoteLiteral(root)}]`);
  await c.run("SET enable_external_access = false");
  await c.run("SET autoinstall_known_extensions = false");
  await c.run("SET autoload_known_extensions = false");
  await c.run("SET lock_configuration = true");
  for (const [name, file] of Object.entries(inputs))
    await c.run(
      `CREATE VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`,
    );

  const what = query.kind === "derive" ? `Derived column "${query.column}"` : "SQL";
  const sql =
    query.kind === "derive"
      ? await deriveQuery(c, query.column, query.expression)
      : await selectQuery(c, query.sql);
  const copy = `COPY (\n${sql}\n) TO ${quoteLiteral(output)} (FORMAT parquet, COMPRESSION snappy)`;
  if ((await statementCount(c, copy, what)) !== 1)
    throw new InputError(`${what}: write exactly one statement`);
  // Whether an endpoint can run it per request; asked before the query runs.
  const shape = query.kind === "derive" ? { rowWise: true } : { ...(await rowWise(c, sql)), sql };
  try {
    await c.run(copy);
    return shape;
  } catch (err) {
    const message = firstLine(err);
    throw new InputError(
      /^Out of Memory Error/.test(message)
        ? `${what}: the query needs more memory than its limit of ${limits.memoryMiB} MiB (${message})`
        : `${what}: ${message}`,
    );
  }
}

const reply = (value) =>
  new Promise((resolve) => process.stdout.write(`${JSON.stringify(value)}\n`, resolve));

let buffered = "";
let started = false;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  if (started) return;
  buffered += chunk;
  const end = buffered.indexOf("\n");
  if (end < 0) return;
  started = true;
  main(JSON.parse(buffered.slice(0, end)))
    .then(
      (shape) => reply({ ok: true, ...shape }),
      (err) => reply({ ok: false, input: err instanceof InputError, message: firstLine(err) }),
    )
    .then(() => process.exit(0));
});
// The worker closes stdin when it goes (or gives up on the query): nothing is left running. A
// kill, not exit(): exit's destructors would wait for the query's threads.
process.stdin.on("end", () => process.kill(process.pid, "SIGKILL"));
