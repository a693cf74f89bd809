/** `npm run bench -- <name>`: runs bench/<name>.ts, which measures the product and its baseline. */
export {};

const benchmarks = ["orchestration", "canvas", "prep", "train", "serve", "load"];
const requested = process.argv[2];
if (!requested || !benchmarks.includes(requested)) {
  console.error(`usage: npm run bench -- <${benchmarks.join("|")}>`);
  process.exit(2);
}
await import(`./${requested}.ts`);
