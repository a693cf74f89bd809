"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";
import { roleLabels, roleLadder, type Role } from "@/common/roles";

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

export function MembersView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const members = useQuery(trpc.members.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.members.list.queryKey() });
  const add = useMutation(trpc.members.add.mutationOptions({ onSuccess: refresh }));
  const setRole = useMutation(trpc.members.setRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: refresh }));
  const [role, setNewRole] = useState<Role>("analyst");
  const settings = useQuery(trpc.workspaces.settings.queryOptions());
  const fourEyes = useMutation(
    trpc.workspaces.setFourEyes.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.workspaces.settings.queryKey() }),
    }),
  );
  const webhook = useMutation(
    trpc.workspaces.setApprovalWebhook.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.workspaces.settings.queryKey() }),
    }),
  );
  const error =
    members.error ?? add.error ?? setRole.error ?? remove.error ?? fourEyes.error ?? webhook.error;

  function saveWebhook(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    webhook.mutate({ url: field(new FormData(e.currentTarget), "webhook").trim() || null });
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const password = field(f, "password");
    add.mutate(
      {
        email: field(f, "email"),
        name: field(f, "name"),
        role,
        password: password || undefined,
      },
      { onSuccess: () => (e.target as HTMLFormElement).reset() },
    );
  }

  return (
    <div className="space-y-6">
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error.message}
        </p>
      )}
      <section aria-label="Approvals" className="rounded border border-slate-200 bg-white p-3">
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={settings.data?.fourEyes ?? true}
            disabled={!settings.data || fourEyes.isPending}
            onChange={(e) => fourEyes.mutate({ on: e.target.checked })}
          />
          <span>
            <span className="font-medium">Four eyes</span>
            <span className="block text-xs text-slate-500">
              Whoever starts a run cannot approve its production deploy or approval step; another
              manager does. Changes are recorded in the audit log.
            </span>
          </span>
        </label>
        <form
          key={settings.data?.approvalWebhook ?? ""}
          onSubmit={saveWebhook}
          className="mt-3 flex flex-wrap items-end gap-2 text-sm"
        >
          <label className="flex min-w-80 flex-1 flex-col gap-1">
            <span className="font-medium">Approval webhook</span>
            <span className="text-xs text-slate-500">
              Receives a POST (JSON, event <code>approval.pending</code>) when a run starts waiting
              for a decision. Leave empty for none.
            </span>
            <input
              name="webhook"
              type="url"
              placeholder="https://chat.example.com/hooks/…"
              defaultValue={settings.data?.approvalWebhook ?? ""}
              className="rounded border border-slate-300 px-2 py-1"
            />
          </label>
          <Button type="submit" size="sm" variant="secondary" disabled={webhook.isPending}>
            Save webhook
          </Button>
          {webhook.isSuccess && (
            <span role="status" className="text-xs text-emerald-700">
              Saved
            </span>
          )}
        </form>
      </section>
      <table className="w-full text-sm">
        <thead className="text-left text-slate-500">
          <tr>
            <th className="py-2">Email</th>
            <th>Name</th>
            <th>Role</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.userId} className="border-t border-slate-200">
              <td className="py-2">{m.email}</td>
              <td>{m.name}</td>
              <td>
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) =>
                    setRole.mutate({ userId: m.userId, role: e.target.value as Role })
                  }
                  className="rounded border border-slate-300 px-1 py-0.5"
                >
                  {roleLadder.map((r) => (
                    <option key={r} value={r}>
                      {roleLabels[r]}
                    </option>
                  ))}
                </select>
              </td>
              <td className="text-right">
                <Button
                  variant="secondary"
                  size="sm"
                  onClick={() => remove.mutate({ userId: m.userId })}
                >
                  Remove
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        onSubmit={submit}
        className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-4"
      >
        <label className="text-sm">
          <span className="block font-medium">Email</span>
          <input
            name="email"
            type="email"
            required
            className="rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <label className="text-sm">
          <span className="block font-medium">Name</span>
          <input name="name" className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          <span className="block font-medium">Role</span>
          <select
            value={role}
            onChange={(e) => setNewRole(e.target.value as Role)}
            className="rounded border border-slate-300 px-2 py-1"
          >
            {roleLadder.map((r) => (
              <option key={r} value={r}>
                {roleLabels[r]}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block font-medium">First password (new accounts)</span>
          <input
            name="password"
            type="password"
            minLength={8}
            className="rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <Button type="submit" disabled={add.isPending}>
          Add member
        </Button>
      </form>
    </div>
  );
}
