import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Nav } from "@/components/people/nav";
import { Providers } from "@/components/trpc";
import "./globals.css";

export const metadata: Metadata = {
  title: "Flowforge",
  description: "Visual low-code MLOps pipelines on Temporal",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <Providers>
          <header className="border-b border-slate-200 bg-white">
            <Nav />
          </header>
          <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
