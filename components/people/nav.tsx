"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { atLeast, roleLabels, type Role } from "@/common/roles";
import { authClient } from "./auth-client";

const links: { href: string; label: string; min: Role }[] = [
  { href: "/pipelines", label: "Pipelines", min: "analyst" },
  { href: "/runs", label: "Runs", min: "analyst" },
  { href: "/models", label: "Models", min: "analyst" },
  { href: "/deployments", label: "Deployments", min: "analyst" },
  { href: "/schedules", label: "Schedules", min: "analyst" },
  { href: "/tokens", label: "Tokens", min: "analyst" },
  { href: "/dashboard", label: "Dashboard", min: "manager" },
  { href: "/audit", label: "Audit", min: "manager" },
  { href: "/members", label: "Members", min: "admin" },
];

/** The workspace choice is a plain cookie the server checks against the person's memberships. */
function switchWorkspace(id: string) {
  document.cookie = `flowforge.workspace=${encodeURIComponent(id)}; path=/; samesite=lax; max-age=31536000`;
  window.location.assign("/");
}

export function Nav() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const me = useQuery({ ...trpc.me.get.queryOptions(), enabled: pathname !== "/sign-in" });
  const p = me.data?.principal;

  return (
    <nav className="mx-auto flex max-w-screen-2xl items-center gap-5 px-6 py-3">
      <Link href="/" className="font-semibold text-sky-700">
        Flowforge
      </Link>
      {p &&
        links
          .filter((l) => atLeast(p.role, l.min))
          .map((l) => (
            <Link
              key={l.href}
              href={l.href}
              className="text-sm text-slate-600 hover:text-slate-900"
            >
              {l.label}
            </Link>
          ))}
      {me.data && (
        <div className="ml-auto flex items-center gap-3 text-sm whitespace-nowrap">
          {me.data.workspaces.length > 1 ? (
            <label className="flex items-center gap-1 text-slate-600">
              <span className="sr-only">Workspace</span>
              <select
                value={p?.workspaceId}
                onChange={(e) => switchWorkspace(e.target.value)}
                className="rounded border border-slate-300 px-1 py-0.5"
              >
                {me.data.workspaces.map((w) => (
                  <option key={w.workspaceId} value={w.workspaceId}>
                    {w.workspaceName}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            p && <span className="text-slate-600">{p.workspaceName}</span>
          )}
          <span data-testid="whoami" className="text-slate-500">
            {me.data.user.email}
            {p ? ` · ${roleLabels[p.role]}` : " · no workspace"}
          </span>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => void authClient.signOut().then(() => window.location.assign("/sign-in"))}
          >
            Sign out
          </Button>
        </div>
      )}
    </nav>
  );
}
