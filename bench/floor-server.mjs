// The serve benchmark's floor: a Node HTTP server that only parses the JSON body and answers a
// small JSON object. Loaded like the product, it shows what the load generator and Node's HTTP
// stack alone cost on this machine.
import http from "node:http";

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const out = JSON.stringify({ inputs: Array.isArray(body.inputs) ? body.inputs.length : 0 });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(out);
  });
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => console.log("listening"));
// Exit at once: a graceful close waits for keep-alive connections the load generator may leave
// half-open, and the benchmark holds this process's stdout.
process.on("SIGTERM", () => process.exit(0));
