import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
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
            <nav className="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
              <Link href="/" className="font-semibold text-sky-700">
                Flowforge
              </Link>
              <Link href="/pipelines" className="text-sm text-slate-600 hover:text-slate-900">
                Pipelines
              </Link>
              <Link href="/runs" className="text-sm text-slate-600 hover:text-slate-900">
                Runs
              </Link>
              <Link href="/models" className="text-sm text-slate-600 hover:text-slate-900">
                Models
              </Link>
              <Link href="/deployments" className="text-sm text-slate-600 hover:text-slate-900">
                Deployments
              </Link>
              <Link href="/schedules" className="text-sm text-slate-600 hover:text-slate-900">
                Schedules
              </Link>
            </nav>
          </header>
          <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
