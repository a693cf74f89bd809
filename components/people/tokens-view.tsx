"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { atLeast, roleLabels, roleLadder, type Role } from "@/common/roles";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

const expiries = [
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year" },
  { days: 0, label: "Never" },
];

const control = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";

function TokenForm({
  title,
  roles,
  defaultRole,
  submit,
  pending,
}: {
  title: string;
  roles: readonly Role[];
  defaultRole: Role;
  submit: (
    input: { name: string; role: Role; expiresInDays: number | null },
    done: () => void,
  ) => void;
  pending: boolean;
}) {
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const text = (k: string) => {
      const v = f.get(k);
      return typeof v === "string" ? v : "";
    };
    const days = Number(text("expires"));
    submit(
      {
        name: text("name").trim(),
        role: text("role") as Role,
        expiresInDays: days > 0 ? days : null,
      },
      () => form.reset(),
    );
  };
  return (
    <form
      onSubmit={onSubmit}
      aria-label={title}
      className="flex flex-wrap items-end gap-3 rounded border border-slate-200 bg-white p-3 text-sm"
    >
      <h2 className="w-full font-medium">{title}</h2>
      <label className="flex flex-col gap-1 text-xs text-slate-600">
        Name
        <input name="name" required placeholder="github-actions" className={control} />
      </label>
      <label className="flex flex-col gap-1 text-xs text-slate-600">
        Role
        <select name="role" defaultValue={defaultRole} className={control}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleLabels[r]}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-xs text-slate-600">
        Expires
        <select name="expires" defaultValue="90" className={control}>
          {expiries.map((x) => (
            <option key={x.days} value={x.days}>
              {x.label}
            </option>
          ))}
        </select>
      </label>
      <Button type="submit" size="sm" disabled={pending}>
        Create token
      </Button>
    </form>
  );
}

/** Personal API tokens, and for admins the workspace's service accounts. */
export function TokensView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.me.get.queryOptions());
  const list = useQuery(trpc.tokens.list.queryOptions());
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: refresh }));
  const service = useMutation(
    trpc.tokens.createServiceAccount.mutationOptions({ onSuccess: refresh }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const role = me.data?.principal?.role;
  if (!role) return null;
  const mine = roleLadder.filter((r) => atLeast(role, r));
  const error = create.error ?? service.error ?? revoke.error;
  const now = Date.now();
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        Send a token as <code>Authorization: Bearer fft_…</code> to the API or set{" "}
        <code>FLOWFORGE_TOKEN</code>. A token acts with its role in this workspace, never more than
        its owner&apos;s; it is shown once and stored only as a hash.
      </p>
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error.message}
        </p>
      )}
      {shown && (
        <p
          className="rounded border border-amber-300 bg-amber-50 p-2 text-sm"
          data-testid="new-token"
        >
          Token {shown.name} (shown once, copy it now):{" "}
          <code className="font-mono break-all">{shown.token}</code>
        </p>
      )}
      <TokenForm
        title="New personal token"
        roles={mine}
        defaultRole={role}
        pending={create.isPending}
        submit={(input, done) =>
          create.mutate(input, {
            onSuccess: (t) => {
              setShown({ name: input.name, token: t.token });
              done();
            },
          })
        }
      />
      {atLeast(role, "admin") && (
        <TokenForm
          title="New service account"
          roles={roleLadder}
          defaultRole="analyst"
          pending={service.isPending}
          submit={(input, done) =>
            service.mutate(input, {
              onSuccess: (t) => {
                setShown({ name: input.name, token: t.token });
                done();
              },
            })
          }
        />
      )}
      <table className="w-full border-collapse text-sm" aria-label="API tokens">
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-500">
            <th className="py-1 font-normal">Name</th>
            <th className="font-normal">Kind</th>
            <th className="font-normal">Acts as</th>
            <th className="font-normal">Role</th>
            <th className="font-normal">Token</th>
            <th className="font-normal">Expires</th>
            <th className="font-normal">Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.map((t) => {
            const expired = t.expiresAt !== null && new Date(t.expiresAt).getTime() <= now;
            return (
              <tr key={t.id} className="border-b border-slate-100" data-token={t.name}>
                <td className="py-1 font-medium">{t.name}</td>
                <td>{t.kind === "service" ? "service account" : "personal"}</td>
                <td className="text-xs">{t.owner}</td>
                <td>{roleLabels[t.role]}</td>
                <td className="font-mono text-xs">{t.prefix}…</td>
                <td className="text-xs">
                  {t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : "never"}
                </td>
                <td className="text-xs">
                  {t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}
                </td>
                <td className="text-right">
                  {t.revokedAt ? (
                    <span className="text-xs text-slate-500">revoked</span>
                  ) : expired ? (
                    <span className="text-xs text-slate-500">expired</span>
                  ) : (
                    <Button
                      size="sm"
                      variant="danger"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate({ id: t.id })}
                    >
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
