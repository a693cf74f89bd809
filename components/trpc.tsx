"use client";

import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
// Type-only: no server code reaches the browser bundle (see docs/decisions.md).
import type { AppRouter } from "@/server/api/root";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

function deniedCode(err: unknown): "UNAUTHORIZED" | "FORBIDDEN" | null {
  if (!(err instanceof TRPCClientError)) return null;
  const code = (err.data as { code?: string } | undefined)?.code;
  return code === "UNAUTHORIZED" || code === "FORBIDDEN" ? code : null;
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 1000,
            // Signed out or not allowed: asking again will not help.
            retry: (count, err) => count < 1 && !deniedCode(err),
          },
        },
        queryCache: new QueryCache({
          onError: (err) => {
            if (deniedCode(err) === "UNAUTHORIZED" && window.location.pathname !== "/sign-in")
              window.location.assign(
                `/sign-in?next=${encodeURIComponent(window.location.pathname + window.location.search)}`,
              );
          },
        }),
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "/api/trpc" })] }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
