"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";

export function AuditView() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState({ action: "", actorEmail: "", from: "", to: "" });
  const audit = useQuery(
    trpc.audit.list.queryOptions({
      action: filter.action || undefined,
      actorEmail: filter.actorEmail || undefined,
      from: filter.from ? new Date(filter.from) : undefined,
      to: filter.to ? new Date(`${filter.to}T23:59:59`) : undefined,
    }),
  );
  const field = (key: keyof typeof filter, label: string, type = "text") => (
    <label className="text-sm">
      <span className="block font-medium">{label}</span>
      <input
        type={type}
        value={filter[key]}
        onChange={(e) => setFilter({ ...filter, [key]: e.target.value })}
        className="rounded border border-slate-300 px-2 py-1"
      />
    </label>
  );

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap gap-3">
        {field("action", "Action")}
        {field("actorEmail", "Who (email)")}
        {field("from", "From", "date")}
        {field("to", "To", "date")}
      </div>
      {audit.error && (
        <p role="alert" className="text-sm text-rose-700">
          {audit.error.message}
        </p>
      )}
      <table className="w-full text-sm">
        <thead className="text-left text-slate-500">
          <tr>
            <th className="py-2">When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Target</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.map((a) => (
            <tr key={a.id} className="border-t border-slate-200 align-top">
              <td className="py-2 whitespace-nowrap">{new Date(a.at).toLocaleString()}</td>
              <td>{a.actorEmail}</td>
              <td className="font-mono">{a.action}</td>
              <td className="font-mono text-xs">
                {a.targetType} {a.targetId}
              </td>
              <td className="font-mono text-xs text-slate-600">
                {Object.keys(a.detail).length ? JSON.stringify(a.detail) : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.data?.length === 0 && <p className="text-sm text-slate-500">Nothing recorded yet.</p>}
    </div>
  );
}
